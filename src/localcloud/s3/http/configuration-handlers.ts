import type { LocalResponse } from '../../request.js';
import { childNode, childNodes, childText, xmlResponse } from '../../protocol/rest-xml.js';
import type { XmlNode, XmlOutput } from '../../protocol/rest-xml.js';
import { GetBucketAcl, PutBucketAcl } from '../bucket-acl.js';
import type { Grant } from '../bucket-acl.js';
import { DeleteBucketEncryption, GetBucketEncryption, PutBucketEncryption } from '../bucket-encryption.js';
import { DeleteBucketPolicy, GetBucketPolicy, GetBucketPolicyStatus, MAX_POLICY_BYTES, PutBucketPolicy } from '../bucket-policy.js';
import { DeleteBucketTagging, GetBucketTagging, PutBucketTagging } from '../bucket-tagging.js';
import type { Tag } from '../bucket-tagging.js';
import { AccessControlListNotSupported, MalformedPolicy, MalformedXML } from '../errors.js';
import { DeletePublicAccessBlock, GetPublicAccessBlock, PutPublicAccessBlock } from '../public-access-block.js';
import type { S3HttpContext } from './context.js';
import { header } from './headers.js';
import { booleanElement, readVerifiedBody, readXmlBody, requireXmlBody } from './xml-body.js';

/** HTTP handlers of the bucket subresources `?policy`, `?policyStatus`, `?publicAccessBlock`, `?encryption`, `?tagging` and `?acl`. */

const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
/** Headers that grant ACL permissions; an ACL-disabled bucket rejects them all. */
const GRANT_HEADERS = ['x-amz-grant-full-control', 'x-amz-grant-read', 'x-amz-grant-read-acp', 'x-amz-grant-write', 'x-amz-grant-write-acp'];

export async function handlePutBucketPolicy(context: S3HttpContext): Promise<LocalResponse> {
  const body = await readVerifiedBody(context, MAX_POLICY_BYTES + 1, () => new MalformedPolicy(`Policies must be at most ${MAX_POLICY_BYTES} bytes.`));
  PutBucketPolicy(context.backend, { bucket: context.bucket, policy: body.toString('utf8') });
  return { status: 204 };
}

export function handleGetBucketPolicy(context: S3HttpContext): LocalResponse {
  const output = GetBucketPolicy(context.backend, context.bucket);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: output.policy };
}

export function handleDeleteBucketPolicy(context: S3HttpContext): LocalResponse {
  DeleteBucketPolicy(context.backend, context.bucket);
  return { status: 204 };
}

export function handleGetBucketPolicyStatus(context: S3HttpContext): LocalResponse {
  const output = GetBucketPolicyStatus(context.backend, context.bucket);
  return xmlResponse('PolicyStatus', { IsPublic: output.isPublic });
}

export async function handlePutPublicAccessBlock(context: S3HttpContext): Promise<LocalResponse> {
  const document = await requireXmlBody(context, 'PublicAccessBlockConfiguration');
  PutPublicAccessBlock(context.backend, context.bucket, {
    blockPublicAcls: booleanElement(document, 'BlockPublicAcls') ?? false,
    ignorePublicAcls: booleanElement(document, 'IgnorePublicAcls') ?? false,
    blockPublicPolicy: booleanElement(document, 'BlockPublicPolicy') ?? false,
    restrictPublicBuckets: booleanElement(document, 'RestrictPublicBuckets') ?? false,
  });
  return { status: 200 };
}

export function handleGetPublicAccessBlock(context: S3HttpContext): LocalResponse {
  const configuration = GetPublicAccessBlock(context.backend, context.bucket);
  return xmlResponse('PublicAccessBlockConfiguration', {
    BlockPublicAcls: configuration.blockPublicAcls,
    IgnorePublicAcls: configuration.ignorePublicAcls,
    BlockPublicPolicy: configuration.blockPublicPolicy,
    RestrictPublicBuckets: configuration.restrictPublicBuckets,
  });
}

export function handleDeletePublicAccessBlock(context: S3HttpContext): LocalResponse {
  DeletePublicAccessBlock(context.backend, context.bucket);
  return { status: 204 };
}

export async function handlePutBucketEncryption(context: S3HttpContext): Promise<LocalResponse> {
  const document = await requireXmlBody(context, 'ServerSideEncryptionConfiguration', ['Rule']);
  const rules = childNodes(document, 'Rule').map((rule) => {
    const byDefault = childNode(rule, 'ApplyServerSideEncryptionByDefault');
    return {
      sseAlgorithm: byDefault ? childText(byDefault, 'SSEAlgorithm') : undefined,
      kmsMasterKeyId: byDefault ? childText(byDefault, 'KMSMasterKeyID') : undefined,
      bucketKeyEnabled: booleanElement(rule, 'BucketKeyEnabled'),
    };
  });
  PutBucketEncryption(context.backend, context.bucket, rules);
  return { status: 200 };
}

export function handleGetBucketEncryption(context: S3HttpContext): LocalResponse {
  const rule = GetBucketEncryption(context.backend, context.bucket);
  return xmlResponse('ServerSideEncryptionConfiguration', {
    Rule: {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: rule.sseAlgorithm, KMSMasterKeyID: rule.kmsMasterKeyId },
      BucketKeyEnabled: rule.bucketKeyEnabled,
    },
  });
}

export function handleDeleteBucketEncryption(context: S3HttpContext): LocalResponse {
  DeleteBucketEncryption(context.backend, context.bucket);
  return { status: 204 };
}

export async function handlePutBucketTagging(context: S3HttpContext): Promise<LocalResponse> {
  const document = await requireXmlBody(context, 'Tagging', ['Tag']);
  const tagSet = childNode(document, 'TagSet');
  if (!tagSet) throw new MalformedXML('the <Tagging> document needs a <TagSet>.');
  PutBucketTagging(context.backend, context.bucket, tagsOf(tagSet));
  return { status: 204 };
}

export function handleGetBucketTagging(context: S3HttpContext): LocalResponse {
  const tags = GetBucketTagging(context.backend, context.bucket);
  return xmlResponse('Tagging', { TagSet: { Tag: tags.map(tagOutput) } });
}

export function handleDeleteBucketTagging(context: S3HttpContext): LocalResponse {
  DeleteBucketTagging(context.backend, context.bucket);
  return { status: 204 };
}

export function handleGetBucketAcl(context: S3HttpContext): LocalResponse {
  const acl = GetBucketAcl(context.backend, context.bucket);
  return xmlResponse('AccessControlPolicy', {
    Owner: { ID: acl.ownerId, DisplayName: 'local' },
    AccessControlList: {
      Grant: acl.grants.map((grant) => ({
        Grantee: { '@_xmlns:xsi': XSI_NAMESPACE, '@_xsi:type': 'CanonicalUser', ID: grant.granteeId, DisplayName: 'local' },
        Permission: grant.permission,
      })),
    },
  });
}

export async function handlePutBucketAcl(context: S3HttpContext): Promise<LocalResponse> {
  if (GRANT_HEADERS.some((name) => header(context.request, name) !== undefined)) throw new AccessControlListNotSupported();

  const document = await readXmlBody(context, 'AccessControlPolicy', ['Grant']);
  const list = document ? childNode(document, 'AccessControlList') : undefined;
  const grants: Grant[] | undefined = list
    ? childNodes(list, 'Grant').map((grant) => ({
        granteeId: childText(childNode(grant, 'Grantee') ?? {}, 'ID') ?? '',
        permission: childText(grant, 'Permission') ?? '',
      }))
    : undefined;
  PutBucketAcl(context.backend, context.bucket, { cannedAcl: header(context.request, 'x-amz-acl'), grants });
  return { status: 200 };
}

/** Reads the `<Tag><Key/><Value/></Tag>` children of a tag set or filter. */
export function tagsOf(node: XmlNode): Tag[] {
  return childNodes(node, 'Tag').map((tag) => {
    const key = childText(tag, 'Key');
    if (key === undefined) throw new MalformedXML('each <Tag> needs a <Key>.');
    return { key, value: childText(tag, 'Value') ?? '' };
  });
}

export function tagOutput(tag: Tag): XmlOutput {
  return { Key: tag.key, Value: tag.value };
}
