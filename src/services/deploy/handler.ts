/**
 * The deploy function. It accepts three kinds of event:
 * - S3 notifications of uploads to `<stage>/<function>.zip`: every record is released in turn,
 *   and the invocation fails after all records were handled if any release failed, so that
 *   Lambda's asynchronous retry applies;
 * - direct commands `{ "action": "promote" | "rollback", ... }`, which return the release result;
 * - continuations it sends to itself when a bake outlasts one invocation.
 */
import { randomUUID } from 'node:crypto';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

import { InvalidInputError, toKeystageError } from '../../core/errors.js';
import { deployRecord, isCommandEvent, parseCommand, resumeRelease, runCommand } from '../../core/release/index.js';
import type { CommandEvent, ReleaseResult, ReleaseRuntime, ReleaseState } from '../../core/release/index.js';
import { sleep } from '../../core/release/retry.js';
import { isContinuationEvent, isS3NotificationEvent } from './events.js';
import type { S3NotificationEvent } from './events.js';
import { summarizeRecords } from './records.js';
import type { BatchSummary } from './records.js';
import { readDeploySettings } from './settings.js';
import type { DeploySettings } from './settings.js';

const logger = new Logger({ serviceName: 'keystage-deploy' });
const s3 = new S3Client({});
const lambda = new LambdaClient({});

/** Lambda entry point: `index.handler` in the built zip. */
export async function handler(event: unknown, context: Context): Promise<BatchSummary | ReleaseResult> {
  logger.resetKeys();
  logger.addContext(context);
  try {
    const settings = readDeploySettings(process.env);

    if (isS3NotificationEvent(event)) return await handleNotification(event, context, settings);
    if (isContinuationEvent(event)) {
      const bucket = settings.artifactBucket ?? event.state.plan.artifactBucket ?? undefined;
      return await resumeRelease(createRuntime(context, settings, bucket), event.state);
    }
    if (isCommandEvent(event)) return await handleCommand(event, context, settings);

    throw new InvalidInputError('The event is neither an S3 notification nor a command; send {"action": "promote" | "rollback", ...}.');
  } catch (error) {
    const typed = toKeystageError(error);
    logger.error('Deploy invocation failed', { error: typed.name, message: typed.toBody().message, cause: typed === error ? undefined : error });
    throw typed.asInvokeError();
  }
}

async function handleNotification(event: S3NotificationEvent, context: Context, settings: DeploySettings): Promise<BatchSummary> {
  const results = [];
  for (const record of event.Records) {
    const bucket = settings.artifactBucket ?? record.s3?.bucket?.name;
    const runtime = createRuntime(context, settings, bucket);
    const result = await deployRecord(runtime, record, settings.deployableFunctions);
    if ('ignored' in result) logger.info('Ignoring record', { key: result.key, reason: result.ignored });
    results.push(result);
  }
  return summarizeRecords(results);
}

async function handleCommand(event: CommandEvent, context: Context, settings: DeploySettings): Promise<ReleaseResult> {
  const command = parseCommand(event, settings.deployableFunctions);
  if (!settings.artifactBucket) throw new InvalidInputError('ARTIFACT_BUCKET is not set on the deploy function; set it to the artifact bucket name.');

  logger.appendKeys({ function: command.function, action: command.action });
  return runCommand(createRuntime(context, settings, settings.artifactBucket), command);
}

function createRuntime(context: Context, settings: DeploySettings, bucket: string | undefined): ReleaseRuntime {
  if (!bucket) throw new InvalidInputError('ARTIFACT_BUCKET is not set on the deploy function; set it to the artifact bucket name.');

  return {
    s3,
    lambda,
    logger,
    bucket,
    settings: settings.release,
    sleep,
    now: Date.now,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    owner: `${context.awsRequestId}/${randomUUID()}`,
    continueLater: (state) => continueLater(context, state),
  };
}

/** Invokes this function asynchronously with the release state, to finish a long bake. */
async function continueLater(context: Context, state: ReleaseState): Promise<void> {
  const payload = JSON.stringify({ action: 'continue-release', state });
  await lambda.send(new InvokeCommand({ FunctionName: context.invokedFunctionArn, InvocationType: 'Event', Payload: Buffer.from(payload) }));
}

