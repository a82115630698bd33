import { GetAliasCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';

import { isAwsError } from '../aws-errors.js';
import { buildServices } from '../build.js';
import { NotBootstrappedError, ReleaseFailedError } from '../errors.js';
import { functionName, parseServiceName, parseStageName } from '../names.js';
import { formatJson } from '../output.js';
import type { Io } from '../output.js';
import { checkReleaseMetadata, uploadArtifact } from '../release/upload.js';
import { waitForRelease } from '../release/watch.js';
import { outDirOption, withCommonOptions } from '../session.js';
import type { CommonOptions, Session } from '../session.js';
import { withSession } from './action.js';
import { parsePositiveSeconds } from './up.js';

interface DeployOptions extends CommonOptions {
  stage: string;
  description?: string;
  strategy?: string;
  zip?: string;
  outDir: string;
  json?: boolean;
  wait: boolean;
  timeout: string;
}

/** `keystage deploy <service>`: uploads a build to the artifact bucket and follows the release it starts. */
export function registerDeploy(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('deploy')
      .description(
        'Build a service (or take --zip), upload it to s3://<artifact bucket>/<stage>/<prefix>-<service>.zip with its description, ' +
          'and follow the release the deploy function makes: code updated, version published, traffic shifted, verified. ' +
          'Exits with 1 when the release fails or is rolled back.',
      )
      .argument('<service>', 'encryption, decryption or deploy')
      .requiredOption('-s, --stage <stage>', 'stage to release to, such as dev')
      .option('-d, --description <text>', 'what this release changes; becomes the version description (required, at most 256 characters)')
      .option('--strategy <strategy>', 'all-at-once, canary:<percent>:<bake seconds> or linear:<percent>:<step seconds> (default: all-at-once)')
      .option('--zip <path>', 'upload this zip instead of building the service')
      .addOption(outDirOption('folder for the built zip'))
      .option('--no-wait', 'return after the upload instead of following the release')
      .option('--timeout <seconds>', 'maximum wait for the release result', '900')
      .option('--json', 'print the upload and the ledger entry as JSON'),
  ).action(
    async (service: string, options: DeployOptions) =>
      await withSession<DeployOptions>(io, setExitCode, (session, opts) => deploy(session, io, parseServiceName(service), opts))(options),
  );
}

async function deploy(session: Session, io: Io, service: string, options: DeployOptions): Promise<number> {
  const stage = parseStageName(options.stage);
  const description = checkReleaseMetadata(options.description, options.strategy);
  const timeoutMs = parsePositiveSeconds(options.timeout, '--timeout') * 1000;
  const installation = await session.installation();
  await requireAlias(session, functionName(installation.prefix, service), stage);

  const zipPath = options.zip ?? (await buildServices({ outDir: options.outDir, services: [service] }))[0]?.zipPath;
  const startedAt = new Date();
  const upload = await uploadArtifact(session.clients, installation, { service, stage, zipPath: zipPath as string, description, strategy: options.strategy });
  io.stderr(`uploaded s3://${upload.bucket}/${upload.key} (object version ${upload.versionId ?? 'none'}, sha256 ${upload.sha256})\n`);

  if (!options.wait) {
    if (options.json) io.stdout(formatJson({ upload }));
    else io.stderr(`The deploy function releases it now; follow it with "keystage history ${service} --stage ${stage}" or "keystage status".\n`);
    return 0;
  }

  const entry = await waitForRelease(session.clients, {
    bucket: upload.bucket,
    functionName: upload.functionName,
    stage,
    objectKey: upload.key,
    objectVersionId: upload.versionId,
    startedAt,
    timeoutMs,
    pollIntervalMs: 500,
    onStep: (step) => io.stderr(`${step}\n`),
  });

  if (options.json) io.stdout(formatJson({ upload, entry }));
  else io.stdout(`${upload.functionName}:${stage} ${entry.outcome}${entry.publishedVersion ? `: version ${entry.publishedVersion}` : ''} "${entry.description ?? description}"\n`);

  if (entry.outcome !== 'succeeded') {
    throw new ReleaseFailedError(`The release of ${upload.functionName} to ${stage} ${entry.outcome}: ${(entry.reason ?? 'no reason given').replace(/\.+$/, '')}. See "keystage history ${service} --stage ${stage}".`);
  }
  return 0;
}

/** Fails early when the stage alias is missing, because the deploy function releases only to existing aliases. */
export async function requireAlias(session: Session, name: string, stage: string): Promise<void> {
  try {
    await session.clients.lambda.send(new GetAliasCommand({ FunctionName: name, Name: stage }));
  } catch (error) {
    if (isAwsError(error, [ResourceNotFoundException], 404)) {
      throw new NotBootstrappedError(`Function ${name} has no alias "${stage}"; run "keystage bootstrap --stages …,${stage}" or pick an existing stage.`, { cause: error });
    }
    throw error;
  }
}
