import type { EventInvoker } from '../../contracts.js';
import type { LocalRequest, LocalResponse } from '../../request.js';
import type { S3Backend } from '../backend.js';

/** A routed request: what an operation handler needs to parse input and call its operation. */
export interface S3HttpContext {
  request: LocalRequest;
  backend: S3Backend;
  events: EventInvoker;
  /** Empty for ListBuckets. */
  bucket: string;
  /** Empty for bucket operations. */
  key: string;
}

/** Parses one operation's request, runs it and serializes its output. */
export type OperationHandler = (context: S3HttpContext) => Promise<LocalResponse> | LocalResponse;

/** Largest XML request body the handlers read (DeleteObjects with 1,000 long keys fits). */
export const MAX_XML_BODY_BYTES = 4 * 1024 ** 2;
