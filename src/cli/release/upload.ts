import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { PutObjectCommand } from '@aws-sdk/client-s3';

import { MAX_DESCRIPTION_CHARS } from '../../core/release/metadata.js';
import { parseStrategy } from '../../core/release/strategy.js';
import type { AwsClients } from '../clients.js';
import { CliError, UsageError } from '../errors.js';
import { artifactBucketName, artifactKey, functionName } from '../names.js';
import type { Installation } from '../names.js';

export interface ArtifactUpload {
  service: string;
  stage: string;
  zipPath: string;
  description: string;
  /** `all-at-once`, `canary:<percent>:<bake seconds>` or `linear:<percent>:<step seconds>`; the deploy function's default when absent. */
  strategy?: string;
}

/** Location of an uploaded artifact; the deploy function releases exactly this object version. */
export interface UploadedArtifact {
  bucket: string;
  key: string;
  versionId?: string;
  functionName: string;
  stage: string;
  sha256: string;
  sizeBytes: number;
}

/**
 * Checks the release metadata the same way the deploy function will, so a bad description or
 * strategy fails here instead of after the upload.
 */
export function checkReleaseMetadata(description: string | undefined, strategy: string | undefined): string {
  const trimmed = description?.trim() ?? '';
  if (trimmed === '') {
    throw new UsageError('Missing release description; pass --description "what changed" (it becomes the Lambda version description).');
  }
  if (trimmed.length > MAX_DESCRIPTION_CHARS) {
    throw new UsageError(`The description is ${trimmed.length} characters long; Lambda accepts at most ${MAX_DESCRIPTION_CHARS}. Shorten --description.`);
  }
  if (strategy !== undefined) {
    try {
      parseStrategy(strategy);
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
  }
  return trimmed;
}

/**
 * Uploads a zip to `s3://<artifacts>/<stage>/<prefix>-<service>.zip` with metadata
 * `description`, `sha256` and optionally `strategy`. The upload itself starts the release:
 * the bucket notifies the deploy function.
 */
export async function uploadArtifact(clients: AwsClients, installation: Installation, upload: ArtifactUpload): Promise<UploadedArtifact> {
  const description = checkReleaseMetadata(upload.description, upload.strategy);

  let body: Buffer;
  try {
    body = readFileSync(upload.zipPath);
  } catch (error) {
    throw new UsageError(`Cannot read the zip ${upload.zipPath}: ${(error as Error).message}. Build it with "keystage build" or pass another --zip.`, { cause: error });
  }

  const bucket = artifactBucketName(installation);
  const key = artifactKey(installation.prefix, upload.stage, upload.service);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const metadata: Record<string, string> = { description: encodeMetadataValue(description), sha256 };
  if (upload.strategy) metadata.strategy = upload.strategy;

  try {
    const response = await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/zip', Metadata: metadata }),
    );
    return {
      bucket,
      key,
      versionId: response.VersionId,
      functionName: functionName(installation.prefix, upload.service),
      stage: upload.stage,
      sha256,
      sizeBytes: body.length,
    };
  } catch (error) {
    throw new CliError(`Uploading ${upload.zipPath} to s3://${bucket}/${key} failed: ${(error as Error).message}. Run "keystage bootstrap" if the bucket is missing.`, {
      cause: error,
    });
  }
}

/**
 * S3 user metadata travels in HTTP headers, which carry ASCII only. Other text is sent as an
 * RFC 2047 encoded word (`=?UTF-8?B?…?=`), which the deploy function decodes.
 */
export function encodeMetadataValue(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}
