import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** AWS services the local cloud routes to, by their SigV4 signing name. */
export type ServiceName = 's3' | 'kms' | 'lambda' | 'iam' | 'sts' | 'logs';

/**
 * An authorization check that a provider runs before an operation, with the IAM action
 * (`s3:GetObject`) and the ARNs it touches. It throws `AccessDenied` when the caller's
 * policies deny the call; without IAM enforcement it does nothing.
 */
export type Authorize = (action: string, resources: string | string[], conditions?: Record<string, string | string[]>) => void;

/** One HTTP request, routed to a provider, with the caller's SigV4 credential scope. */
export interface LocalRequest {
  method: string;
  /** The raw path, still percent-encoded, without the query string. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The Host header without the port. */
  hostname: string;
  service: ServiceName;
  region: string;
  accessKeyId: string;
  accountId: string;
  requestId: string;
  authorize: Authorize;
  /**
   * Reads the whole body. Rejects with the error from `onTooLarge` as soon as more than
   * `maxBytes` arrive, without buffering the rest.
   */
  readBody(maxBytes: number, onTooLarge: () => Error): Promise<Buffer>;
  /** The underlying stream, for providers that write large bodies to disk as they arrive. */
  stream: IncomingMessage;
}

/** A complete response. `body` may be a file stream for large S3 objects. */
export interface LocalResponse {
  status: number;
  headers?: Record<string, string | number | string[]>;
  body?: Buffer | string | NodeJS.ReadableStream;
}

/** A provider serves one AWS service; it owns its protocol codec, its operations and its tables. */
export interface Provider {
  readonly service: ServiceName;
  handle(request: LocalRequest): Promise<LocalResponse>;
  close?(): Promise<void>;
}
