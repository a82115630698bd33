import { DescribeKeyCommand, NotFoundException } from '@aws-sdk/client-kms';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand } from '@aws-sdk/client-s3';

import { parseStageConfig } from '../../core/config/schema.js';
import type { StageConfig } from '../../core/config/schema.js';
import { httpStatusOf, isAwsError } from '../aws-errors.js';
import type { AwsClients } from '../clients.js';
import { CliError, NotBootstrappedError, UsageError } from '../errors.js';
import { configKey } from '../names.js';
import { listObjectVersionPages } from '../s3-versions.js';

/** A stage config object as stored: its JSON, ETag and object version. */
export interface StoredConfig {
  document: Record<string, unknown>;
  etag: string;
  versionId?: string;
}

/** One version of a stage config, as `config history` lists it. */
export interface ConfigVersion {
  versionId: string;
  lastModified?: string;
  sizeBytes?: number;
  isLatest: boolean;
  isDeleteMarker: boolean;
}

export interface ConfigLocation {
  bucket: string;
  stage: string;
}

/** Reads a stage config, or a given version of it. */
export async function readConfig(clients: AwsClients, location: ConfigLocation, versionId?: string): Promise<StoredConfig> {
  const key = configKey(location.stage);
  try {
    const response = await clients.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key, VersionId: versionId }));
    const text = (await response.Body?.transformToString('utf8')) ?? '';
    return { document: parseObject(text, `s3://${location.bucket}/${key}`), etag: response.ETag ?? '', versionId: response.VersionId };
  } catch (error) {
    if (isAwsError(error, [NoSuchKey], 404)) {
      const target = versionId ? `version ${versionId} of s3://${location.bucket}/${key}` : `s3://${location.bucket}/${key}`;
      throw new NotBootstrappedError(`No config at ${target}; run "keystage bootstrap" for stage ${location.stage}, or pick a version from "keystage config history".`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Reads only the ETag and version of a stage config, so that a config whose body is not valid
 * JSON can still be replaced or rolled back.
 */
export async function headConfig(clients: AwsClients, location: ConfigLocation): Promise<{ etag: string; versionId?: string }> {
  const key = configKey(location.stage);
  try {
    const response = await clients.s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key }));
    return { etag: response.ETag ?? '', versionId: response.VersionId };
  } catch (error) {
    if (isAwsError(error, [NotFound, NoSuchKey], 404)) {
      throw new NotBootstrappedError(`No config at s3://${location.bucket}/${key}; run "keystage bootstrap" for stage ${location.stage}.`, { cause: error });
    }
    throw error;
  }
}

/**
 * Validates `document` with the stage config schema and checks with KMS that its key exists, then
 * writes it as a new version, only if the object is still the one read (`If-Match`). A config
 * that fails any check is not written.
 */
export async function writeConfig(clients: AwsClients, location: ConfigLocation, document: Record<string, unknown>, expectedEtag: string): Promise<{ versionId?: string; config: StageConfig }> {
  const config = validateConfig(document, location.stage);
  await checkKeyUsable(clients, config.keyId);

  const key = configKey(location.stage);
  try {
    const response = await clients.s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: key,
        Body: `${JSON.stringify(document, null, 2)}\n`,
        ContentType: 'application/json',
        IfMatch: expectedEtag,
      }),
    );
    return { versionId: response.VersionId, config };
  } catch (error) {
    if (httpStatusOf(error) === 412) {
      throw new CliError(`s3://${location.bucket}/${key} changed while this command ran; nothing was written. Run the command again.`, { cause: error });
    }
    throw error;
  }
}

/** Parses a document with the stage config schema; throws `UsageError` listing every problem. */
export function validateConfig(document: unknown, stage: string): StageConfig {
  const result = parseStageConfig(document);
  if (result.ok) return result.config;
  throw new UsageError(`The config for stage ${stage} is invalid and was not written: ${result.problems.join('; ')}.`);
}

async function checkKeyUsable(clients: AwsClients, keyId: string): Promise<void> {
  try {
    const { KeyMetadata } = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    if (KeyMetadata?.KeyState && KeyMetadata.KeyState !== 'Enabled') {
      throw new UsageError(`KMS key ${keyId} is ${KeyMetadata.KeyState}; name an enabled key. The config was not written.`);
    }
  } catch (error) {
    if (isAwsError(error, [NotFoundException], 404)) {
      throw new UsageError(`KMS key ${keyId} does not exist in this account and region; the config was not written. List keys with "aws kms list-aliases".`, { cause: error });
    }
    throw error;
  }
}

/** Every version of a stage config, newest first. */
export async function listConfigVersions(clients: AwsClients, location: ConfigLocation): Promise<ConfigVersion[]> {
  const key = configKey(location.stage);
  const versions: ConfigVersion[] = [];
  for await (const page of listObjectVersionPages(clients.s3, location.bucket, key)) {
    for (const version of page.Versions ?? []) {
      if (version.Key !== key || !version.VersionId) continue;
      versions.push({
        versionId: version.VersionId,
        lastModified: version.LastModified?.toISOString(),
        sizeBytes: version.Size,
        isLatest: version.IsLatest === true,
        isDeleteMarker: false,
      });
    }
    for (const marker of page.DeleteMarkers ?? []) {
      if (marker.Key !== key || !marker.VersionId) continue;
      versions.push({ versionId: marker.VersionId, lastModified: marker.LastModified?.toISOString(), isLatest: marker.IsLatest === true, isDeleteMarker: true });
    }
  }
  return versions.sort((a, b) => (b.lastModified ?? '').localeCompare(a.lastModified ?? '') || Number(b.isLatest) - Number(a.isLatest));
}

function parseObject(text: string, uri: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${uri} is not valid JSON (${(error as Error).message}); fix it with "keystage config set --file" or "keystage config rollback".`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${uri} is not a JSON object; fix it with "keystage config set --file" or "keystage config rollback".`);
  }
  return parsed as Record<string, unknown>;
}
