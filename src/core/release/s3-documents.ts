/**
 * JSON documents in S3 read with their ETag and written conditionally, the building block of
 * the ledger and the lease: `If-None-Match: *` creates, `If-Match: <etag>` replaces exactly the
 * version that was read, and S3 returns `412` when another writer came first.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

/** A document and the ETag of the object it was read from. */
export interface StoredDocument<T> {
  value: T;
  etag: string;
}

/** Condition of a write: create only, or replace only the object with this ETag. */
export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/** Reads and parses a JSON object; undefined when the key does not exist. */
export async function getDocument<T>(s3: S3Client, bucket: string, key: string): Promise<StoredDocument<T> | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await response.Body?.transformToString('utf8')) ?? '';
    return { value: JSON.parse(text) as T, etag: response.ETag ?? '' };
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

/** Writes `value` as JSON, conditionally when `condition` is given, and returns the new ETag. */
export async function putDocument(s3: S3Client, bucket: string, key: string, value: unknown, condition?: WriteCondition): Promise<string> {
  const response = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value, null, 2),
      ContentType: 'application/json',
      IfNoneMatch: condition && 'ifNoneMatch' in condition ? condition.ifNoneMatch : undefined,
      IfMatch: condition && 'ifMatch' in condition ? condition.ifMatch : undefined,
    }),
  );
  return response.ETag ?? '';
}

/** Returns the condition that replaces what was read, or creates the object when nothing was there. */
export function conditionFor(stored: StoredDocument<unknown> | undefined): WriteCondition {
  return stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' };
}

function isMissingObject(error: unknown): boolean {
  return error instanceof NoSuchKey || (error as { name?: string } | undefined)?.name === 'NoSuchKey';
}
