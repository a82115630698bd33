import type { IncomingHttpHeaders } from 'node:http';

import type { ServiceName } from './request.js';

/** The SigV4 credential scope of a request: who signed it, for which region and service. */
export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

const SERVICES: ReadonlySet<string> = new Set<ServiceName>(['s3', 'kms', 'lambda', 'iam', 'sts', 'logs']);
const CREDENTIAL_PATTERN = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/**
 * Reads the credential scope from the `Authorization` header, or from `X-Amz-Credential`
 * in a presigned URL. Returns undefined for unsigned requests.
 */
export function parseCredentialScope(headers: IncomingHttpHeaders, query: URLSearchParams): CredentialScope | undefined {
  const authorization = headers.authorization;
  const match = authorization ? CREDENTIAL_PATTERN.exec(authorization) : undefined;
  if (match) return { accessKeyId: match[1]!, region: match[2]!, service: match[3]! };

  const presigned = query.get('X-Amz-Credential');
  const parts = presigned?.split('/');
  if (parts && parts.length === 5) return { accessKeyId: parts[0]!, region: parts[2]!, service: parts[3]! };

  return undefined;
}

/**
 * Picks the provider for a request: the service in the credential scope, and for unsigned
 * requests the protocol's own marks (`X-Amz-Target`, the Lambda path prefix, a query
 * `Version`). Anything else is S3, which accepts anonymous requests.
 */
export function routeService(
  scope: CredentialScope | undefined,
  headers: IncomingHttpHeaders,
  rawPath: string,
  formVersion: string | undefined,
): ServiceName | undefined {
  if (scope) return SERVICES.has(scope.service) ? (scope.service as ServiceName) : undefined;

  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('TrentService.')) return 'kms';
  if (typeof target === 'string' && target.startsWith('Logs_20140328.')) return 'logs';
  if (/^\/20\d\d-\d\d-\d\d\/(functions|event-source-mappings|layers)/.test(rawPath)) return 'lambda';
  if (formVersion === '2010-05-08') return 'iam';
  if (formVersion === '2011-06-15') return 'sts';
  return 's3';
}
