import type { LocalRequest } from '../../request.js';
import { MethodNotAllowed, NotImplemented } from '../errors.js';
import {
  handleCreateBucket,
  handleDeleteBucket,
  handleGetBucketLocation,
  handleGetBucketNotificationConfiguration,
  handleGetBucketVersioning,
  handleHeadBucket,
  handleListBuckets,
  handlePutBucketNotificationConfiguration,
  handlePutBucketVersioning,
} from './bucket-handlers.js';
import {
  handleDeleteBucketEncryption,
  handleDeleteBucketPolicy,
  handleDeleteBucketTagging,
  handleDeletePublicAccessBlock,
  handleGetBucketAcl,
  handleGetBucketEncryption,
  handleGetBucketPolicy,
  handleGetBucketPolicyStatus,
  handleGetBucketTagging,
  handleGetPublicAccessBlock,
  handlePutBucketAcl,
  handlePutBucketEncryption,
  handlePutBucketPolicy,
  handlePutBucketTagging,
  handlePutPublicAccessBlock,
} from './configuration-handlers.js';
import type { OperationHandler } from './context.js';
import {
  handleDeleteBucketCors,
  handleDeleteBucketLifecycle,
  handleGetBucketCors,
  handleGetBucketLifecycleConfiguration,
  handlePutBucketCors,
  handlePutBucketLifecycleConfiguration,
} from './lifecycle-handlers.js';
import { handleDeleteObjects, handleListObjectVersions, handleListObjects, handleListObjectsV2 } from './listing-handlers.js';
import {
  handleAbortMultipartUpload,
  handleCompleteMultipartUpload,
  handleCreateMultipartUpload,
  handleListMultipartUploads,
  handleListParts,
  handleUploadPart,
} from './multipart-handlers.js';
import { handleCopyObject, handleDeleteObject, handleGetObject, handleHeadObject, handlePutObject } from './object-handlers.js';

/** A routed operation: its AWS name (for logs) and its handler. */
export interface Route {
  operation: string;
  handler: OperationHandler;
}

/**
 * Bucket configuration subresources, by query parameter and method. Each is checked before
 * the plain bucket operations, because `PUT /bucket?policy` is not CreateBucket.
 */
const BUCKET_SUBRESOURCES: Record<string, Partial<Record<string, Route>>> = {
  policy: {
    PUT: { operation: 'PutBucketPolicy', handler: handlePutBucketPolicy },
    GET: { operation: 'GetBucketPolicy', handler: handleGetBucketPolicy },
    DELETE: { operation: 'DeleteBucketPolicy', handler: handleDeleteBucketPolicy },
  },
  policyStatus: { GET: { operation: 'GetBucketPolicyStatus', handler: handleGetBucketPolicyStatus } },
  publicAccessBlock: {
    PUT: { operation: 'PutPublicAccessBlock', handler: handlePutPublicAccessBlock },
    GET: { operation: 'GetPublicAccessBlock', handler: handleGetPublicAccessBlock },
    DELETE: { operation: 'DeletePublicAccessBlock', handler: handleDeletePublicAccessBlock },
  },
  encryption: {
    PUT: { operation: 'PutBucketEncryption', handler: handlePutBucketEncryption },
    GET: { operation: 'GetBucketEncryption', handler: handleGetBucketEncryption },
    DELETE: { operation: 'DeleteBucketEncryption', handler: handleDeleteBucketEncryption },
  },
  lifecycle: {
    PUT: { operation: 'PutBucketLifecycleConfiguration', handler: handlePutBucketLifecycleConfiguration },
    GET: { operation: 'GetBucketLifecycleConfiguration', handler: handleGetBucketLifecycleConfiguration },
    DELETE: { operation: 'DeleteBucketLifecycle', handler: handleDeleteBucketLifecycle },
  },
  tagging: {
    PUT: { operation: 'PutBucketTagging', handler: handlePutBucketTagging },
    GET: { operation: 'GetBucketTagging', handler: handleGetBucketTagging },
    DELETE: { operation: 'DeleteBucketTagging', handler: handleDeleteBucketTagging },
  },
  acl: {
    PUT: { operation: 'PutBucketAcl', handler: handlePutBucketAcl },
    GET: { operation: 'GetBucketAcl', handler: handleGetBucketAcl },
  },
  cors: {
    PUT: { operation: 'PutBucketCors', handler: handlePutBucketCors },
    GET: { operation: 'GetBucketCors', handler: handleGetBucketCors },
    DELETE: { operation: 'DeleteBucketCors', handler: handleDeleteBucketCors },
  },
};

/**
 * Subresources of the S3 API that this S3 does not implement. A request naming one gets
 * `NotImplemented` rather than being taken for a plain object or bucket request. On an
 * object, the bucket subresources above (`?tagging`, `?acl`) are not implemented either.
 */
const UNSUPPORTED_SUBRESOURCES = [
  ...Object.keys(BUCKET_SUBRESOURCES),
  'website',
  'logging',
  'replication',
  'ownershipControls',
  'publicAccessBlock',
  'object-lock',
  'retention',
  'legal-hold',
  'torrent',
  'restore',
  'select',
  'attributes',
  'accelerate',
  'analytics',
  'inventory',
  'metrics',
  'intelligent-tiering',
  'requestPayment',
];

/** Picks the operation of a request from its method, its bucket and key, and its query. */
export function routeRequest(request: LocalRequest, bucket: string | undefined, key: string | undefined): Route {
  const { method, query } = request;
  if (!bucket) {
    if (method === 'GET') return { operation: 'ListBuckets', handler: handleListBuckets };
    throw new MethodNotAllowed(method, 'SERVICE');
  }
  return key === undefined ? routeBucket(method, query) : routeObject(method, query, request.headers['x-amz-copy-source'] !== undefined);
}

function routeBucket(method: string, query: URLSearchParams): Route {
  if (method === 'PUT' && query.has('versioning')) return { operation: 'PutBucketVersioning', handler: handlePutBucketVersioning };
  if (method === 'PUT' && query.has('notification')) {
    return { operation: 'PutBucketNotificationConfiguration', handler: handlePutBucketNotificationConfiguration };
  }
  if (method === 'GET' && query.has('versioning')) return { operation: 'GetBucketVersioning', handler: handleGetBucketVersioning };
  if (method === 'GET' && query.has('notification')) {
    return { operation: 'GetBucketNotificationConfiguration', handler: handleGetBucketNotificationConfiguration };
  }
  if (method === 'GET' && query.has('location')) return { operation: 'GetBucketLocation', handler: handleGetBucketLocation };
  if (method === 'GET' && query.has('versions')) return { operation: 'ListObjectVersions', handler: handleListObjectVersions };
  if (method === 'POST' && query.has('delete')) return { operation: 'DeleteObjects', handler: handleDeleteObjects };
  if (method === 'GET' && query.has('uploads')) return { operation: 'ListMultipartUploads', handler: handleListMultipartUploads };
  const configuration = routeBucketSubresource(method, query);
  if (configuration) return configuration;
  rejectUnsupported(query);

  if (method === 'PUT') return { operation: 'CreateBucket', handler: handleCreateBucket };
  if (method === 'HEAD') return { operation: 'HeadBucket', handler: handleHeadBucket };
  if (method === 'DELETE') return { operation: 'DeleteBucket', handler: handleDeleteBucket };
  if (method === 'GET' && query.get('list-type') === '2') return { operation: 'ListObjectsV2', handler: handleListObjectsV2 };
  if (method === 'GET') return { operation: 'ListObjects', handler: handleListObjects };
  throw new MethodNotAllowed(method, 'BUCKET');
}

function routeObject(method: string, query: URLSearchParams, copies: boolean): Route {
  if (method === 'POST' && query.has('uploads')) return { operation: 'CreateMultipartUpload', handler: handleCreateMultipartUpload };
  if (method === 'POST' && query.has('uploadId')) return { operation: 'CompleteMultipartUpload', handler: handleCompleteMultipartUpload };
  if (method === 'PUT' && query.has('uploadId')) return { operation: copies ? 'UploadPartCopy' : 'UploadPart', handler: handleUploadPart };
  if (method === 'GET' && query.has('uploadId')) return { operation: 'ListParts', handler: handleListParts };
  if (method === 'DELETE' && query.has('uploadId')) return { operation: 'AbortMultipartUpload', handler: handleAbortMultipartUpload };
  rejectUnsupported(query);

  if (method === 'PUT' && copies) return { operation: 'CopyObject', handler: handleCopyObject };
  if (method === 'PUT') return { operation: 'PutObject', handler: handlePutObject };
  if (method === 'GET') return { operation: 'GetObject', handler: handleGetObject };
  if (method === 'HEAD') return { operation: 'HeadObject', handler: handleHeadObject };
  if (method === 'DELETE') return { operation: 'DeleteObject', handler: handleDeleteObject };
  throw new MethodNotAllowed(method, 'OBJECT');
}

function routeBucketSubresource(method: string, query: URLSearchParams): Route | undefined {
  const subresource = Object.keys(BUCKET_SUBRESOURCES).find((name) => query.has(name));
  if (subresource === undefined) return undefined;
  const route = BUCKET_SUBRESOURCES[subresource]![method];
  if (!route) throw new MethodNotAllowed(method, 'BUCKET');
  return route;
}

function rejectUnsupported(query: URLSearchParams): void {
  const subresource = UNSUPPORTED_SUBRESOURCES.find((name) => query.has(name));
  if (subresource) {
    throw new NotImplemented(`The local cloud's S3 does not implement the ?${subresource} subresource.`);
  }
}
