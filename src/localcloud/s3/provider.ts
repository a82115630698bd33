import { createHash } from 'node:crypto';

import type { ProviderContext } from '../context.js';
import type { EventInvoker, ObjectReader } from '../contracts.js';
import { AwsError } from '../errors.js';
import { errorResponse, hostId } from '../protocol/rest-xml.js';
import type { LocalRequest, LocalResponse, Provider } from '../request.js';
import { resolveAddress } from './addressing.js';
import type { S3Backend } from './backend.js';
import { NotModified } from './conditional.js';
import { InternalError, responseHeadersOf } from './errors.js';
import { authorizeOperation } from './http/authorization.js';
import type { S3HttpContext } from './http/context.js';
import { routeRequest } from './http/router.js';
import { createNotificationDispatcher } from './notification-dispatch.js';
import { readObjectBytes } from './objects-read.js';
import { openS3Store } from './store.js';

/**
 * Creates the local cloud's S3: the rest-xml protocol over SQLite state (tables `s3_*`)
 * and content-addressed bodies. It serves path-style and virtual-hosted-style requests,
 * and sends bucket notifications to Lambda through `deps.events`.
 *
 * LIMITATIONS: bucket policies, public access blocks, encryption settings, lifecycle rules
 * and CORS rules are validated and stored but not applied, ACLs are disabled as on a bucket
 * with BucketOwnerEnforced ownership, and object tagging, website, logging, replication and
 * object lock subresources return `NotImplemented`, while an `x-amz-tagging` header on a
 * write is ignored. Reading one part by `partNumber` is
 * rejected. Signatures are not verified, and CRC64NVME checksums are not supported.
 */
export function createS3Provider(context: ProviderContext, deps: { events: EventInvoker }): Provider & ObjectReader {
  const ownerId = createHash('sha256').update(`s3-owner:${context.accountId}`).digest('hex');
  const backend: S3Backend = {
    store: openS3Store(context.db),
    blobs: context.blobs,
    accountId: context.accountId,
    ownerId,
    logger: context.logger,
    endpointUrl: context.endpointUrl,
    notifications: createNotificationDispatcher(deps.events, ownerId, context.logger),
  };

  return {
    service: 's3',
    handle: (request) => handle(backend, deps.events, request),
    readObject: (bucket, key, versionId) => readObjectBytes(backend, bucket, key, versionId),
  };
}

async function handle(backend: S3Backend, events: EventInvoker, request: LocalRequest): Promise<LocalResponse> {
  let operation = 'unrouted';
  try {
    const address = resolveAddress(request.hostname, request.rawPath);
    const route = routeRequest(request, address.bucket, address.key);
    operation = route.operation;

    const httpContext: S3HttpContext = { request, backend, events, bucket: address.bucket ?? '', key: address.key ?? '' };
    authorizeOperation(httpContext, operation);
    const response = await route.handler(httpContext);
    return withRequestIds(response, request.requestId);
  } catch (error) {
    return failureResponse(backend, request, operation, error);
  }
}

function failureResponse(backend: S3Backend, request: LocalRequest, operation: string, error: unknown): LocalResponse {
  if (error instanceof NotModified) {
    return withRequestIds({ status: 304, headers: responseHeadersOf(error) }, request.requestId);
  }
  const headers = unreadBodyHeaders(request);
  if (error instanceof AwsError) {
    backend.logger.debug('s3 request failed', { operation, code: error.code, requestId: request.requestId });
    return errorResponse(error, request.requestId, request.method, { ...responseHeadersOf(error), ...headers });
  }

  backend.logger.warn('s3 operation failed unexpectedly', { operation, requestId: request.requestId, error });
  return errorResponse(new InternalError(error), request.requestId, request.method, headers);
}

/**
 * Closes the connection after an error that left the request body unread (EntityTooLarge
 * on a declared 5 GiB body), as S3 does, so that the client's next request does not wait
 * behind bytes that the server would have to discard.
 */
function unreadBodyHeaders(request: LocalRequest): Record<string, string> {
  const hasBody = request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if ((hasBody || chunked) && !request.stream.readableEnded) return { connection: 'close' };
  return {};
}

function withRequestIds(response: LocalResponse, requestId: string): LocalResponse {
  return {
    ...response,
    headers: { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId(requestId), ...response.headers },
  };
}
