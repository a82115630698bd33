import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadServiceModel } from '../support/botocore.js';
import type { ServiceModel } from '../support/botocore.js';
import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

/*
 * Checks the bucket configuration responses of the local S3 against botocore's model: every
 * element of each XML body is a member of the operation's output shape, the root element is
 * the one the model names, and each operation is routed by the method and query the model gives.
 */

interface ModelMember {
  shape: string;
  locationName?: string;
  location?: string;
  flattened?: boolean;
}

interface ModelShape {
  type: string;
  members?: Record<string, ModelMember>;
  member?: ModelMember;
  flattened?: boolean;
  payload?: string;
  locationName?: string;
}

const BUCKET = 'model-configuration-bucket';

/** The operations with an XML body, and the query that selects each. */
const XML_OPERATIONS: [string, string][] = [
  ['GetBucketPolicyStatus', 'policyStatus'],
  ['GetPublicAccessBlock', 'publicAccessBlock'],
  ['GetBucketEncryption', 'encryption'],
  ['GetBucketLifecycleConfiguration', 'lifecycle'],
  ['GetBucketTagging', 'tagging'],
  ['GetBucketAcl', 'acl'],
  ['GetBucketCors', 'cors'],
];

let model: ServiceModel;
let cloud: TestCloud;
const bodies = new Map<string, string>();
const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, isArray: () => true });

beforeAll(async () => {
  model = loadServiceModel('s3');
  cloud = await startTestCloud();
  const s3 = new S3Client(cloud.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] }),
    }),
  );
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { BlockPublicAcls: true } }));
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: BUCKET,
      LifecycleConfiguration: {
        Rules: [
          {
            ID: 'every-action',
            Status: 'Enabled',
            Filter: { And: { Prefix: 'a/', Tags: [{ Key: 'k', Value: 'v' }], ObjectSizeLessThan: 10 } },
            Expiration: { Days: 3 },
            Transitions: [{ Days: 1, StorageClass: 'GLACIER' }],
            NoncurrentVersionTransitions: [{ NoncurrentDays: 1, StorageClass: 'DEEP_ARCHIVE', NewerNoncurrentVersions: 2 }],
            NoncurrentVersionExpiration: { NoncurrentDays: 2, NewerNoncurrentVersions: 1 },
          },
          { ID: 'legacy-prefix', Status: 'Disabled', Prefix: 'old/', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
          { ID: 'one-tag', Status: 'Enabled', Filter: { Tag: { Key: 'k', Value: 'v' } }, Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
        ],
      },
    }),
  );
  await s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }));
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: BUCKET,
      CORSConfiguration: { CORSRules: [{ ID: 'r', AllowedMethods: ['GET'], AllowedOrigins: ['*'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 5 }] },
    }),
  );
  s3.destroy();

  for (const [operation, query] of XML_OPERATIONS) {
    const response = await fetch(`${cloud.url}/${BUCKET}?${query}`);
    const body = await response.text();
    if (!response.ok) throw new Error(`${operation} failed with ${response.status}: ${body}`);
    bodies.set(operation, body);
  }
});

afterAll(async () => {
  await cloud?.stop();
});

/** The shape of the body: the output's payload member when it has one, else the output itself. */
function bodyShapeOf(operation: string): string {
  const outputName = model.operations[operation]!.output!.shape;
  const output = model.shapes[outputName] as ModelShape;
  return output.payload ? output.members![output.payload]!.shape : outputName;
}

/** Lists every element path under `element` that the shape does not declare. */
function undeclaredElements(element: unknown, shapeName: string, path: string): string[] {
  const shape = model.shapes[shapeName] as ModelShape;
  if (shape.type !== 'structure' || typeof element !== 'object' || element === null) return [];

  const problems: string[] = [];
  for (const [name, values] of Object.entries(element as Record<string, unknown[]>)) {
    if (name === '#text') continue;
    const member = Object.entries(shape.members ?? {}).find(([memberName, candidate]) => !candidate.location && (candidate.locationName ?? memberName) === name)?.[1];
    if (!member) {
      problems.push(`${path}/${name}`);
      continue;
    }
    for (const value of values) problems.push(...undeclaredInMember(value, member, `${path}/${name}`));
  }
  return problems;
}

function undeclaredInMember(value: unknown, member: ModelMember, path: string): string[] {
  const shape = model.shapes[member.shape] as ModelShape;
  if (shape.type !== 'list') return undeclaredElements(value, member.shape, path);
  if (shape.flattened || member.flattened) return undeclaredElements(value, shape.member!.shape, path);

  const itemName = shape.member!.locationName ?? 'member';
  const wrapper = (value ?? {}) as Record<string, unknown[]>;
  const strays = Object.keys(wrapper).filter((name) => name !== itemName && name !== '#text').map((name) => `${path}/${name}`);
  const items = wrapper[itemName] ?? [];
  return [...strays, ...items.flatMap((item) => undeclaredElements(item, shape.member!.shape, `${path}/${itemName}`))];
}

describe('bucket configuration response bodies', () => {
  it.each(XML_OPERATIONS.map(([operation]) => operation))('writes only declared elements in the %s response', (operation) => {
    const document = parser.parse(bodies.get(operation)!) as Record<string, unknown[]>;
    const rootName = Object.keys(document).find((name) => name !== '?xml')!;

    expect(undeclaredElements(document[rootName]![0], bodyShapeOf(operation), rootName)).toEqual([]);
  });

  it.each([
    ['GetBucketPolicyStatus', 'PolicyStatus'],
    ['GetPublicAccessBlock', 'PublicAccessBlockConfiguration'],
    ['GetBucketEncryption', 'ServerSideEncryptionConfiguration'],
  ])('names the %s root after its payload member', (operation, rootName) => {
    const output = model.shapes[model.operations[operation]!.output!.shape] as ModelShape;
    const document = parser.parse(bodies.get(operation)!) as Record<string, unknown>;

    expect(output.payload).toBe(rootName);
    expect(Object.keys(document)).toContain(rootName);
  });
});

describe('bucket configuration routes', () => {
  it.each([
    'PutBucketPolicy',
    'GetBucketPolicy',
    'DeleteBucketPolicy',
    'GetBucketPolicyStatus',
    'PutPublicAccessBlock',
    'GetPublicAccessBlock',
    'DeletePublicAccessBlock',
    'PutBucketEncryption',
    'GetBucketEncryption',
    'DeleteBucketEncryption',
    'PutBucketLifecycleConfiguration',
    'GetBucketLifecycleConfiguration',
    'DeleteBucketLifecycle',
    'PutBucketTagging',
    'GetBucketTagging',
    'DeleteBucketTagging',
    'GetBucketAcl',
    'PutBucketAcl',
    'PutBucketCors',
    'GetBucketCors',
    'DeleteBucketCors',
  ])('serves %s at the method and query of the model', async (operation) => {
    const http = (model.operations[operation] as unknown as { http: { method: string; requestUri: string } }).http;
    const query = http.requestUri.split('?')[1]!;

    const response = await fetch(`${cloud.url}/missing-model-bucket?${query}`, { method: http.method, body: http.method === 'PUT' ? '' : undefined });
    const body = await response.text();

    expect(body).not.toContain('NotImplemented');
    expect(body).not.toContain('MethodNotAllowed');
  });
});
