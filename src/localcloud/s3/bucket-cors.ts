import type { S3Backend } from './backend.js';
import { deleteBucketConfiguration, readBucketConfiguration, writeBucketConfiguration } from './bucket-configuration.js';
import { InvalidArgument, InvalidRequest, MalformedXML, NoSuchCORSConfiguration } from './errors.js';

/**
 * PutBucketCors, GetBucketCors and DeleteBucketCors, validated with S3's rules.
 *
 * NOTE: the rules are stored and reported only: the local cloud answers no preflight
 * `OPTIONS` request and adds no `Access-Control-*` headers.
 */

export interface CorsRule {
  id?: string;
  allowedHeaders: string[];
  allowedMethods: string[];
  allowedOrigins: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/** S3's maximum number of CORS rules on a bucket. */
export const MAX_CORS_RULES = 100;
const CORS_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']);

export function PutBucketCors(backend: S3Backend, bucket: string, rules: CorsRule[]): void {
  validateRules(rules);
  writeBucketConfiguration(backend, bucket, 'cors', rules);
}

/** Returns the bucket's CORS rules, or throws `NoSuchCORSConfiguration`. */
export function GetBucketCors(backend: S3Backend, bucket: string): CorsRule[] {
  const rules = readBucketConfiguration<CorsRule[]>(backend, bucket, 'cors');
  if (!rules) throw new NoSuchCORSConfiguration(bucket);
  return rules;
}

export function DeleteBucketCors(backend: S3Backend, bucket: string): void {
  deleteBucketConfiguration(backend, bucket, 'cors');
}

function validateRules(rules: CorsRule[]): void {
  if (rules.length === 0) throw new MalformedXML('a CORSConfiguration needs at least one <CORSRule>.');
  if (rules.length > MAX_CORS_RULES) throw new InvalidRequest(`A CORS configuration can have at most ${MAX_CORS_RULES} rules; this one has ${rules.length}.`);

  for (const rule of rules) {
    if (rule.allowedMethods.length === 0 || rule.allowedOrigins.length === 0) {
      throw new MalformedXML('each <CORSRule> needs at least one <AllowedMethod> and one <AllowedOrigin>.');
    }
    const unsupported = rule.allowedMethods.find((method) => !CORS_METHODS.has(method));
    if (unsupported !== undefined) {
      throw new InvalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${unsupported}; use GET, PUT, HEAD, POST or DELETE.`);
    }
    const badOrigin = rule.allowedOrigins.find((origin) => origin.split('*').length > 2);
    if (badOrigin !== undefined) throw new InvalidRequest(`AllowedOrigin "${badOrigin}" can not have more than one wildcard.`);
    const badHeader = rule.allowedHeaders.find((name) => name.split('*').length > 2);
    if (badHeader !== undefined) throw new InvalidRequest(`AllowedHeader "${badHeader}" can not have more than one wildcard.`);
    if (rule.id !== undefined && [...rule.id].length > 255) throw new InvalidArgument('ID length should not exceed allowed limit of 255', 'ID', rule.id);
  }
}
