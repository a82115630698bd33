import type { LocalResponse } from '../../request.js';
import { childNode, childNodes, childText, xmlResponse } from '../../protocol/rest-xml.js';
import type { XmlNode, XmlOutput } from '../../protocol/rest-xml.js';
import { DeleteBucketCors, GetBucketCors, PutBucketCors } from '../bucket-cors.js';
import type { CorsRule } from '../bucket-cors.js';
import { MalformedXML } from '../errors.js';
import { DeleteBucketLifecycle, GetBucketLifecycleConfiguration, PutBucketLifecycleConfiguration } from '../lifecycle.js';
import type { LifecycleFilter, LifecycleFilterConditions, LifecycleRule, LifecycleRuleInput } from '../lifecycle.js';
import { tagOutput, tagsOf } from './configuration-handlers.js';
import type { S3HttpContext } from './context.js';
import { header } from './headers.js';
import { booleanElement, integerElement, requireXmlBody } from './xml-body.js';

/** HTTP handlers of the `?lifecycle` and `?cors` bucket subresources, with their XML mapping. */

const MINIMUM_SIZE_HEADER = 'x-amz-transition-default-minimum-object-size';
const LIFECYCLE_LISTS = ['Rule', 'Transition', 'NoncurrentVersionTransition', 'Tag'];
const CORS_LISTS = ['CORSRule', 'AllowedHeader', 'AllowedMethod', 'AllowedOrigin', 'ExposeHeader'];

export async function handlePutBucketLifecycleConfiguration(context: S3HttpContext): Promise<LocalResponse> {
  const document = await requireXmlBody(context, 'LifecycleConfiguration', LIFECYCLE_LISTS);
  const configuration = PutBucketLifecycleConfiguration(context.backend, context.bucket, {
    rules: childNodes(document, 'Rule').map(parseRule),
    transitionDefaultMinimumObjectSize: header(context.request, MINIMUM_SIZE_HEADER),
  });
  return { status: 200, headers: { [MINIMUM_SIZE_HEADER]: configuration.transitionDefaultMinimumObjectSize } };
}

export function handleGetBucketLifecycleConfiguration(context: S3HttpContext): LocalResponse {
  const configuration = GetBucketLifecycleConfiguration(context.backend, context.bucket);
  return xmlResponse(
    'LifecycleConfiguration',
    { Rule: configuration.rules.map(ruleOutput) },
    { [MINIMUM_SIZE_HEADER]: configuration.transitionDefaultMinimumObjectSize },
  );
}

export function handleDeleteBucketLifecycle(context: S3HttpContext): LocalResponse {
  DeleteBucketLifecycle(context.backend, context.bucket);
  return { status: 204 };
}

export async function handlePutBucketCors(context: S3HttpContext): Promise<LocalResponse> {
  const document = await requireXmlBody(context, 'CORSConfiguration', CORS_LISTS);
  const rules: CorsRule[] = childNodes(document, 'CORSRule').map((rule) => ({
    id: childText(rule, 'ID'),
    allowedHeaders: texts(rule, 'AllowedHeader'),
    allowedMethods: texts(rule, 'AllowedMethod'),
    allowedOrigins: texts(rule, 'AllowedOrigin'),
    exposeHeaders: texts(rule, 'ExposeHeader'),
    maxAgeSeconds: integerElement(rule, 'MaxAgeSeconds'),
  }));
  PutBucketCors(context.backend, context.bucket, rules);
  return { status: 200 };
}

export function handleGetBucketCors(context: S3HttpContext): LocalResponse {
  const rules = GetBucketCors(context.backend, context.bucket);
  return xmlResponse('CORSConfiguration', {
    CORSRule: rules.map((rule) => ({
      ID: rule.id,
      AllowedHeader: rule.allowedHeaders,
      AllowedMethod: rule.allowedMethods,
      AllowedOrigin: rule.allowedOrigins,
      ExposeHeader: rule.exposeHeaders,
      MaxAgeSeconds: rule.maxAgeSeconds,
    })),
  });
}

export function handleDeleteBucketCors(context: S3HttpContext): LocalResponse {
  DeleteBucketCors(context.backend, context.bucket);
  return { status: 204 };
}

function parseRule(node: XmlNode): LifecycleRuleInput {
  const expiration = childNode(node, 'Expiration');
  const noncurrentExpiration = childNode(node, 'NoncurrentVersionExpiration');
  const abort = childNode(node, 'AbortIncompleteMultipartUpload');
  const filter = childNode(node, 'Filter');

  return {
    id: childText(node, 'ID'),
    status: childText(node, 'Status'),
    prefix: childText(node, 'Prefix') ?? (childNode(node, 'Prefix') ? '' : undefined),
    filter: filter ? parseFilter(filter) : undefined,
    expiration: expiration
      ? {
          days: integerElement(expiration, 'Days'),
          date: childText(expiration, 'Date'),
          expiredObjectDeleteMarker: booleanElement(expiration, 'ExpiredObjectDeleteMarker'),
        }
      : undefined,
    transitions: childNodes(node, 'Transition').map((transition) => ({
      days: integerElement(transition, 'Days'),
      date: childText(transition, 'Date'),
      storageClass: requiredText(transition, 'StorageClass'),
    })),
    noncurrentVersionTransitions: childNodes(node, 'NoncurrentVersionTransition').map((transition) => ({
      noncurrentDays: integerElement(transition, 'NoncurrentDays'),
      newerNoncurrentVersions: integerElement(transition, 'NewerNoncurrentVersions'),
      storageClass: requiredText(transition, 'StorageClass'),
    })),
    noncurrentVersionExpiration: noncurrentExpiration
      ? {
          noncurrentDays: integerElement(noncurrentExpiration, 'NoncurrentDays'),
          newerNoncurrentVersions: integerElement(noncurrentExpiration, 'NewerNoncurrentVersions'),
        }
      : undefined,
    abortIncompleteMultipartUpload: abort ? { daysAfterInitiation: requiredInteger(abort, 'DaysAfterInitiation') } : undefined,
  };
}

function parseFilter(node: XmlNode): LifecycleFilter {
  const and = childNode(node, 'And');
  return { ...parseConditions(node), and: and ? parseConditions(and) : undefined };
}

function parseConditions(node: XmlNode): LifecycleFilterConditions {
  return {
    prefix: childText(node, 'Prefix'),
    tags: tagsOf(node),
    objectSizeGreaterThan: integerElement(node, 'ObjectSizeGreaterThan'),
    objectSizeLessThan: integerElement(node, 'ObjectSizeLessThan'),
  };
}

function ruleOutput(rule: LifecycleRule): XmlOutput {
  return {
    ID: rule.id,
    Prefix: rule.prefix,
    Filter: rule.filter ? filterOutput(rule.filter) : undefined,
    Status: rule.status,
    Expiration: rule.expiration
      ? { Days: rule.expiration.days, Date: rule.expiration.date, ExpiredObjectDeleteMarker: rule.expiration.expiredObjectDeleteMarker }
      : undefined,
    Transition: rule.transitions.map((transition) => ({ Days: transition.days, Date: transition.date, StorageClass: transition.storageClass })),
    NoncurrentVersionTransition: rule.noncurrentVersionTransitions.map((transition) => ({
      NoncurrentDays: transition.noncurrentDays,
      StorageClass: transition.storageClass,
      NewerNoncurrentVersions: transition.newerNoncurrentVersions,
    })),
    NoncurrentVersionExpiration: rule.noncurrentVersionExpiration
      ? {
          NoncurrentDays: rule.noncurrentVersionExpiration.noncurrentDays,
          NewerNoncurrentVersions: rule.noncurrentVersionExpiration.newerNoncurrentVersions,
        }
      : undefined,
    AbortIncompleteMultipartUpload: rule.abortIncompleteMultipartUpload
      ? { DaysAfterInitiation: rule.abortIncompleteMultipartUpload.daysAfterInitiation }
      : undefined,
  };
}

function filterOutput(filter: LifecycleFilter): XmlOutput {
  return {
    ...conditionsOutput(filter, false),
    And: filter.and ? conditionsOutput(filter.and, true) : undefined,
  };
}

/** A filter contains at most one Tag, while its And operator contains a flattened list of them. */
function conditionsOutput(conditions: LifecycleFilterConditions, many: boolean): XmlOutput {
  const tags = conditions.tags.map(tagOutput);
  return {
    Prefix: conditions.prefix,
    Tag: many ? tags : tags[0],
    ObjectSizeGreaterThan: conditions.objectSizeGreaterThan,
    ObjectSizeLessThan: conditions.objectSizeLessThan,
  };
}

function texts(node: XmlNode, name: string): string[] {
  const value = node[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item): item is string => typeof item === 'string');
}

function requiredText(node: XmlNode, name: string): string {
  const value = childText(node, name);
  if (value === undefined) throw new MalformedXML(`<${name}> is required here.`);
  return value;
}

function requiredInteger(node: XmlNode, name: string): number {
  const value = integerElement(node, name);
  if (value === undefined) throw new MalformedXML(`<${name}> is required here.`);
  return value;
}
