import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { CreateBucketCommand, CreateMultipartUploadCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadServiceModel } from '../support/botocore.js';
import type { ServiceModel } from '../support/botocore.js';
import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

/*
 * Checks the local S3 against botocore's model of the S3 API. Every error code the provider
 * can return must be an error shape of the model or one of S3's generic error codes. Every
 * element of every XML response body must be a member of the operation's output shape.
 */

/**
 * S3's common error codes, from the "List of error codes" of the Amazon S3 API Reference
 * (Error responses). The botocore model lists only the few that have their own exception
 * class; the rest reach SDK users as the generic S3ServiceException with this code.
 */
const GENERIC_S3_ERROR_CODES = new Set([
  'AccessControlListNotSupported',
  'AccessDenied',
  'BadDigest',
  'BucketNotEmpty',
  'EntityTooLarge',
  'EntityTooSmall',
  'IllegalVersioningConfigurationException',
  'IncompleteBody',
  'InternalError',
  'InvalidArgument',
  'InvalidBucketName',
  'InvalidDigest',
  'InvalidLocationConstraint',
  'InvalidPart',
  'InvalidPartOrder',
  'InvalidRange',
  'InvalidRequest',
  'InvalidStorageClass',
  'InvalidTag',
  'InvalidURI',
  'KeyTooLongError',
  'MalformedPolicy',
  'MalformedXML',
  'MetadataTooLarge',
  'MethodNotAllowed',
  'MissingContentLength',
  'NoSuchBucketPolicy',
  'NoSuchCORSConfiguration',
  'NoSuchLifecycleConfiguration',
  'NoSuchPublicAccessBlockConfiguration',
  'NoSuchTagSet',
  'NoSuchVersion',
  'NotImplemented',
  'PreconditionFailed',
  'XAmzContentSHA256Mismatch',
]);

/** The 304 of a conditional GET is carried as an error internally but has no code on the wire. */
const NOT_AN_ERROR_CODE = new Set(['NotModified']);

const S3_SOURCE_DIR = join(import.meta.dirname, '..', '..', 'src', 'localcloud', 's3');

interface ModelMember {
  shape: string;
  locationName?: string;
  location?: string;
}

interface ModelShape {
  type: string;
  members?: Record<string, ModelMember>;
  member?: ModelMember;
  flattened?: boolean;
  payload?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Error codes written in the provider's source: `super('Code', …)` and `new AwsError('Code', …)`. */
function errorCodesInSource(): Set<string> {
  const codes = new Set<string>();
  for (const file of sourceFiles(S3_SOURCE_DIR)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:super|new AwsError)\(\s*'([A-Za-z0-9]+)'/g)) codes.add(match[1]!);
  }
  return codes;
}

let model: ServiceModel;

describe('error codes', () => {
  beforeAll(() => {
    model = loadServiceModel('s3');
  });

  it('finds the error classes in the source', () => {
    expect(errorCodesInSource().size).toBeGreaterThan(20);
  });

  it('returns only codes of the model or generic S3 codes', () => {
    const modelCodes = new Set(
      Object.entries(model.shapes)
        .filter(([, shape]) => shape.exception)
        .map(([name, shape]) => shape.error?.code ?? name),
    );

    const unknown = [...errorCodesInSource()].filter((code) => !modelCodes.has(code) && !GENERIC_S3_ERROR_CODES.has(code) && !NOT_AN_ERROR_CODE.has(code));

    expect(unknown).toEqual([]);
  });
});

describe('response bodies', () => {
  let cloud: TestCloud;
  let s3: S3Client;
  const BUCKET = 'model-bucket';
  const bodies = new Map<string, string>();
  const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, isArray: () => true });

  async function capture(operation: string, path: string, init: RequestInit = {}): Promise<void> {
    const response = await fetch(`${cloud.url}${path}`, init);
    const body = await response.text();
    if (!response.ok) throw new Error(`${operation} failed with ${response.status}: ${body}`);
    bodies.set(operation, body);
  }

  beforeAll(async () => {
    model = loadServiceModel('s3');
    cloud = await startTestCloud();
    s3 = new S3Client(cloud.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/a.txt', Body: 'a', ChecksumAlgorithm: 'SHA256' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b.txt', Body: 'b' }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi.bin', ChecksumAlgorithm: 'CRC32' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'multi.bin', UploadId: upload.UploadId, PartNumber: 1, Body: 'part' }));

    await capture('ListBuckets', '/');
    await capture('ListObjectsV2', `/${BUCKET}?list-type=2&delimiter=/&fetch-owner=true`);
    await capture('ListObjects', `/${BUCKET}?delimiter=/`);
    await capture('ListObjectVersions', `/${BUCKET}?versions`);
    await capture('GetBucketVersioning', `/${BUCKET}?versioning`);
    await capture('GetBucketNotificationConfiguration', `/${BUCKET}?notification`);
    await capture('GetBucketLocation', `/${BUCKET}?location`);
    await capture('ListParts', `/${BUCKET}/multi.bin?uploadId=${upload.UploadId}`);
    await capture('CreateMultipartUpload', `/${BUCKET}/other.bin?uploads`, { method: 'POST' });
    await capture('CopyObject', `/${BUCKET}/copy.txt`, { method: 'PUT', headers: { 'x-amz-copy-source': `/${BUCKET}/dir/a.txt` } });
    const copyTarget = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'copied-part.bin', ChecksumAlgorithm: 'CRC32' }));
    await capture('UploadPartCopy', `/${BUCKET}/copied-part.bin?partNumber=1&uploadId=${copyTarget.UploadId}`, {
      method: 'PUT',
      headers: { 'x-amz-copy-source': `/${BUCKET}/dir/a.txt` },
    });
    await capture('ListMultipartUploads', `/${BUCKET}?uploads`);
    await capture('DeleteObjects', `/${BUCKET}?delete`, {
      method: 'POST',
      body: '<Delete><Object><Key>b.txt</Key></Object><Object><Key>x</Key><VersionId>bad version</VersionId></Object></Delete>',
    });
    await capture('CompleteMultipartUpload', `/${BUCKET}/multi.bin?uploadId=${upload.UploadId}`, {
      method: 'POST',
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.ETag}</ETag><ChecksumCRC32>${part.ChecksumCRC32}</ChecksumCRC32></Part></CompleteMultipartUpload>`,
    });
  });

  afterAll(async () => {
    s3?.destroy();
    await cloud?.stop();
  });

  /** Finds the shape of the body: the output's payload member when it has one, else the output itself. */
  function bodyShapeOf(operation: string): string {
    const outputName = model.operations[operation]!.output!.shape;
    const output = model.shapes[outputName] as ModelShape;
    return output.payload ? output.members![output.payload]!.shape : outputName;
  }

  /** Lists every element path of a parsed element that the shape does not declare. */
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
    if (shape.flattened) return undeclaredElements(value, shape.member!.shape, path);

    const itemName = shape.member!.locationName ?? 'member';
    const wrapper = (value ?? {}) as Record<string, unknown[]>;
    const strays = Object.keys(wrapper).filter((name) => name !== itemName && name !== '#text').map((name) => `${path}/${name}`);
    const items = wrapper[itemName] ?? [];
    return [...strays, ...items.flatMap((item) => undeclaredElements(item, shape.member!.shape, `${path}/${itemName}`))];
  }

  it.each([
    'ListBuckets',
    'ListObjectsV2',
    'ListObjects',
    'ListObjectVersions',
    'GetBucketVersioning',
    'GetBucketNotificationConfiguration',
    'ListParts',
    'CreateMultipartUpload',
    'CopyObject',
    'UploadPartCopy',
    'ListMultipartUploads',
    'DeleteObjects',
    'CompleteMultipartUpload',
  ])('writes only declared elements in the %s response', (operation) => {
    const document = parser.parse(bodies.get(operation)!) as Record<string, unknown[]>;
    const rootName = Object.keys(document).find((name) => name !== '?xml')!;

    expect(undeclaredElements(document[rootName]![0], bodyShapeOf(operation), rootName)).toEqual([]);
  });

  it('names the GetBucketLocation root as the model does', () => {
    const document = parser.parse(bodies.get('GetBucketLocation')!) as Record<string, unknown>;

    expect(Object.keys(document)).toContain('LocationConstraint');
    expect(model.shapes.GetBucketLocationOutput?.members?.LocationConstraint).toBeDefined();
  });

  it('fills the DeleteObjects result with declared Deleted and Error entries', () => {
    const body = bodies.get('DeleteObjects')!;

    expect(body).toContain('<Deleted><Key>b.txt</Key>');
    expect(body).toContain('<Error><Key>x</Key><VersionId>bad version</VersionId><Code>InvalidArgument</Code>');
  });
});

describe('response headers', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    model = loadServiceModel('s3');
    cloud = await startTestCloud();
    const s3 = new S3Client(cloud.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'header-bucket' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'header-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'header-bucket', Key: 'k', Body: 'body', Metadata: { a: 'b' }, CacheControl: 'no-cache' }));
    s3.destroy();
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  function declaredHeaders(operation: string): string[] {
    const output = model.shapes[model.operations[operation]!.output!.shape] as ModelShape;
    return Object.values(output.members ?? {})
      .filter((member) => member.location === 'header' || member.location === 'headers')
      .map((member) => member.locationName!.toLowerCase());
  }

  it.each([
    ['GetObject', 'GET'],
    ['HeadObject', 'HEAD'],
  ])('sends only declared x-amz headers from %s', async (operation, method) => {
    const response = await fetch(`${cloud.url}/header-bucket/k`, { method, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    const declared = declaredHeaders(operation);
    const generic = new Set(['x-amz-request-id', 'x-amz-id-2']);

    const undeclared = [...response.headers.keys()]
      .filter((name) => name.startsWith('x-amz-') && !generic.has(name))
      .filter((name) => !declared.some((header) => (header.endsWith('-') ? name.startsWith(header) : name === header)));

    expect(undeclared).toEqual([]);
  });
});
