import type { LocalResponse } from '../../request.js';
import { childNode, childNodes, childText, xmlResponse } from '../../protocol/rest-xml.js';
import type { XmlOutput } from '../../protocol/rest-xml.js';
import { CreateBucket, DeleteBucket, GetBucketLocation, HeadBucket, ListBuckets } from '../buckets.js';
import { InvalidArgument } from '../errors.js';
import { GetBucketNotificationConfiguration, PutBucketNotificationConfiguration } from '../notifications.js';
import type { NotificationConfigurationInput } from '../notifications.js';
import { GetBucketVersioning, PutBucketVersioning } from '../versioning.js';
import type { S3HttpContext } from './context.js';
import { header } from './headers.js';
import { readXmlBody, requireXmlBody } from './xml-body.js';

/** HTTP handlers of bucket operations: the bucket itself, versioning and notifications. */

export async function handleCreateBucket(context: S3HttpContext): Promise<LocalResponse> {
  const configuration = await readXmlBody(context, 'CreateBucketConfiguration');
  const output = CreateBucket(context.backend, {
    bucket: context.bucket,
    locationConstraint: configuration ? childText(configuration, 'LocationConstraint') : undefined,
    requestRegion: context.request.region,
  });
  return { status: 200, headers: { location: output.location } };
}

export function handleHeadBucket(context: S3HttpContext): LocalResponse {
  const bucket = HeadBucket(context.backend, context.bucket);
  return { status: 200, headers: { 'x-amz-bucket-region': bucket.region, 'x-amz-access-point-alias': 'false' } };
}

export function handleDeleteBucket(context: S3HttpContext): LocalResponse {
  DeleteBucket(context.backend, context.bucket);
  return { status: 204 };
}

export function handleListBuckets(context: S3HttpContext): LocalResponse {
  const { query } = context.request;
  const maxBuckets = query.get('max-buckets');
  if (maxBuckets !== null && !(/^\d+$/.test(maxBuckets) && Number(maxBuckets) >= 1 && Number(maxBuckets) <= 10_000)) {
    throw new InvalidArgument('max-buckets must be an integer from 1 to 10000.', 'max-buckets', maxBuckets);
  }

  const output = ListBuckets(context.backend, {
    prefix: query.get('prefix') ?? undefined,
    maxBuckets: maxBuckets === null ? undefined : Number(maxBuckets),
    continuationToken: query.get('continuation-token') ?? undefined,
    bucketRegion: query.get('bucket-region') ?? undefined,
  });
  return xmlResponse('ListAllMyBucketsResult', {
    Owner: { ID: context.backend.ownerId, DisplayName: 'local' },
    Buckets: {
      Bucket: output.buckets.map((bucket) => ({ Name: bucket.name, CreationDate: new Date(bucket.createdMs), BucketRegion: bucket.region })),
    },
    ContinuationToken: output.continuationToken,
    Prefix: query.get('prefix') ?? undefined,
  });
}

export function handleGetBucketLocation(context: S3HttpContext): LocalResponse {
  const output = GetBucketLocation(context.backend, context.bucket);
  return xmlResponse('LocationConstraint', { '#text': output.locationConstraint });
}

export async function handlePutBucketVersioning(context: S3HttpContext): Promise<LocalResponse> {
  const configuration = await requireXmlBody(context, 'VersioningConfiguration');
  PutBucketVersioning(context.backend, {
    bucket: context.bucket,
    status: childText(configuration, 'Status'),
    mfaDelete: childText(configuration, 'MfaDelete'),
  });
  return { status: 200 };
}

export function handleGetBucketVersioning(context: S3HttpContext): LocalResponse {
  const output = GetBucketVersioning(context.backend, context.bucket);
  const content: XmlOutput = output.status ? { Status: output.status } : {};
  return xmlResponse('VersioningConfiguration', content);
}

const NOTIFICATION_LISTS = ['CloudFunctionConfiguration', 'TopicConfiguration', 'QueueConfiguration', 'Event', 'FilterRule'];

export async function handlePutBucketNotificationConfiguration(context: S3HttpContext): Promise<LocalResponse> {
  const document = (await readXmlBody(context, 'NotificationConfiguration', NOTIFICATION_LISTS)) ?? {};
  const input: NotificationConfigurationInput = {
    lambdaFunctionConfigurations: childNodes(document, 'CloudFunctionConfiguration').map((node) => ({
      id: childText(node, 'Id'),
      lambdaFunctionArn: childText(node, 'CloudFunction') ?? '',
      events: textList(node, 'Event'),
      filterRules: filterRulesOf(node),
    })),
    topicArns: childNodes(document, 'TopicConfiguration').map((node) => childText(node, 'Topic') ?? ''),
    queueArns: childNodes(document, 'QueueConfiguration').map((node) => childText(node, 'Queue') ?? ''),
    eventBridge: document.EventBridgeConfiguration !== undefined,
  };

  const skipValidation = header(context.request, 'x-amz-skip-destination-validation') === 'true';
  PutBucketNotificationConfiguration(context.backend, context.events, context.bucket, input, skipValidation);
  return { status: 200 };
}

export function handleGetBucketNotificationConfiguration(context: S3HttpContext): LocalResponse {
  const configuration = GetBucketNotificationConfiguration(context.backend, context.bucket);
  return xmlResponse('NotificationConfiguration', {
    CloudFunctionConfiguration: configuration.lambdaFunctionConfigurations.map((target) => ({
      Id: target.id,
      CloudFunction: target.lambdaFunctionArn,
      Event: target.events,
      Filter:
        target.filterRules.length > 0
          ? { S3Key: { FilterRule: target.filterRules.map((rule) => ({ Name: rule.name, Value: rule.value })) } }
          : undefined,
    })),
  });
}

function textList(node: Record<string, unknown>, name: string): string[] {
  const value = node[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item): item is string => typeof item === 'string');
}

function filterRulesOf(node: Parameters<typeof childNode>[0]): { name: string; value: string }[] {
  const filter = childNode(node, 'Filter');
  const key = filter ? childNode(filter, 'S3Key') : undefined;
  if (!key) return [];
  return childNodes(key, 'FilterRule').map((rule) => ({ name: childText(rule, 'Name') ?? '', value: childText(rule, 'Value') ?? '' }));
}
