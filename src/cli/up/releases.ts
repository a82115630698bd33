import { GetAliasCommand, GetFunctionConfigurationCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, NotFound } from '@aws-sdk/client-s3';

import { readOrUndefined } from '../aws-errors.js';
import type { BuiltService } from '../build.js';
import type { AwsClients } from '../clients.js';
import { artifactBucketName, artifactKey, functionName } from '../names.js';
import type { Installation } from '../names.js';
import { uploadArtifact } from '../release/upload.js';
import { waitForRelease } from '../release/watch.js';
import type { LedgerEntry } from '../../core/release/ledger.js';

/** Result for one service in one stage during `up`. */
export interface StageRelease {
  service: string;
  stage: string;
  /** `current` when the stage already runs this build, so nothing was uploaded. */
  result: 'current' | 'released';
  entry?: LedgerEntry;
}

export interface ReleaseAllOptions {
  description: string;
  timeoutMs: number;
  pollIntervalMs: number;
  log: (line: string) => void;
}

/**
 * Releases each built service to each stage by uploading its zip to the artifact bucket, so
 * the deploy function does the work, then waits for every release. A stage whose last upload
 * has the same SHA-256 and whose alias runs that code is left alone.
 */
export async function releaseToStages(
  clients: AwsClients,
  installation: Installation,
  built: readonly BuiltService[],
  stages: readonly string[],
  options: ReleaseAllOptions,
): Promise<StageRelease[]> {
  const pending: Promise<StageRelease>[] = [];

  for (const stage of stages) {
    for (const service of built) {
      if (await runsBuild(clients, installation, service, stage)) {
        options.log(`[${stage}] ${functionName(installation.prefix, service.service)} already runs this build (sha256 ${service.sha256.slice(0, 12)}…)`);
        pending.push(Promise.resolve({ service: service.service, stage, result: 'current' }));
        continue;
      }
      pending.push(releaseOne(clients, installation, service, stage, options));
    }
  }
  return Promise.all(pending);
}

async function releaseOne(
  clients: AwsClients,
  installation: Installation,
  service: BuiltService,
  stage: string,
  options: ReleaseAllOptions,
): Promise<StageRelease> {
  const startedAt = new Date();
  const upload = await uploadArtifact(clients, installation, {
    service: service.service,
    stage,
    zipPath: service.zipPath,
    description: options.description,
  });
  const label = `[${stage}] ${upload.functionName}`;
  options.log(`${label}: uploaded s3://${upload.bucket}/${upload.key} (version ${upload.versionId ?? 'none'})`);

  const entry = await waitForRelease(clients, {
    bucket: upload.bucket,
    functionName: upload.functionName,
    stage,
    objectKey: upload.key,
    objectVersionId: upload.versionId,
    startedAt,
    timeoutMs: options.timeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    onStep: (step) => options.log(`${label}: ${step}`),
  });
  options.log(`${label}: ${entry.outcome}${entry.publishedVersion ? ` (version ${entry.publishedVersion})` : ''}${entry.reason ? `: ${entry.reason}` : ''}`);
  return { service: service.service, stage, result: 'released', entry };
}

/**
 * Releases a changed build of the deploy function through itself, one stage after the other.
 * The artifact bucket notifies the deploy function's unqualified ARN, so its `$LATEST` code
 * handles uploads. Bootstrap never changes the code of an existing function, so without this
 * step an edited deploy service would never run. Does nothing when `$LATEST` runs this build.
 */
export async function releaseDeployFunction(
  clients: AwsClients,
  installation: Installation,
  built: BuiltService,
  stages: readonly string[],
  options: ReleaseAllOptions,
): Promise<StageRelease[]> {
  const name = functionName(installation.prefix, built.service);
  const latest = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  if (latest.CodeSha256 === built.codeSha256) {
    options.log(`${name} is up to date (sha256 ${built.sha256.slice(0, 12)}…)`);
    return [];
  }

  const releases: StageRelease[] = [];
  for (const stage of stages) releases.push(await releaseOne(clients, installation, built, stage, options));
  return releases;
}

/**
 * True when the stage was released through an upload at least once, and its alias sends all
 * traffic to a version with this build's code, whatever upload made that version. The first
 * `up` therefore always releases through the artifact bucket, even though bootstrap's first
 * version has the same code.
 */
async function runsBuild(clients: AwsClients, installation: Installation, service: BuiltService, stage: string): Promise<boolean> {
  const upload = await readOrUndefined(
    () => clients.s3.send(new HeadObjectCommand({ Bucket: artifactBucketName(installation), Key: artifactKey(installation.prefix, stage, service.service) })),
    [NotFound],
  );
  if (!upload) return false;

  const name = functionName(installation.prefix, service.service);
  const alias = await readOrUndefined(() => clients.lambda.send(new GetAliasCommand({ FunctionName: name, Name: stage })), [ResourceNotFoundException]);
  if (!alias?.FunctionVersion || Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0) return false;

  const version = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: alias.FunctionVersion }));
  return version.CodeSha256 === service.codeSha256;
}
