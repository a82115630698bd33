import { DeleteLogGroupCommand, ResourceNotFoundException as LogGroupNotFound } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteRoleCommand, DeleteRolePolicyCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { DeleteAliasCommand, DescribeKeyCommand, ListResourceTagsCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { DeleteFunctionCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, DeleteBucketPolicyCommand, DeleteObjectsCommand, NoSuchBucket } from '@aws-sdk/client-s3';
import type { Command } from 'commander';

import { isAwsError } from '../aws-errors.js';
import { listKeyAliases } from '../bootstrap/keys.js';
import { rolePolicyName } from '../bootstrap/roles.js';
import { SERVICE_NAMES } from '../build.js';
import { describeTarget, errorMessage } from '../clients.js';
import { UsageError } from '../errors.js';
import { DEFAULT_STAGES, artifactBucketName, configBucketName, functionName, keyAliasName, parseStageList, roleName } from '../names.js';
import { requireConfirmation } from '../output.js';
import type { Io } from '../output.js';
import { listObjectVersionPages } from '../s3-versions.js';
import { withCommonOptions } from '../session.js';
import type { CommonOptions, Session } from '../session.js';
import { withSession } from './action.js';

interface DestroyOptions extends CommonOptions {
  stages: string;
  yes?: boolean;
  keyDeletionDays: string;
}

/** `keystage destroy`: removes what bootstrap made, after a confirmation naming the account and region. */
export function registerDestroy(program: Command, io: Io, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('destroy')
      .description(
        'Delete the functions, their log groups, roles and both buckets with every object version (configs, artifacts, ledgers), ' +
          'schedule the stage KMS keys for deletion and delete their aliases. A later bootstrap creates new keys. ' +
          'Ciphertexts made with the old keys cannot be decrypted once KMS deletes them; until then "aws kms cancel-key-deletion" brings a key back.',
      )
      .option('--stages <list>', 'stages whose keys to remove, besides every key tagged with this prefix', DEFAULT_STAGES.join(','))
      .option('--key-deletion-days <days>', 'KMS waiting period before the keys are deleted, 7 to 30 days', '7')
      .option('-y, --yes', 'delete without asking for confirmation'),
  ).action(
    withSession<DestroyOptions>(io, setExitCode, async (session, options) => {
      const stages = parseStageList(options.stages);
      const days = Number(options.keyDeletionDays);
      if (!Number.isInteger(days) || days < 7 || days > 30) {
        throw new UsageError(`Invalid --key-deletion-days "${options.keyDeletionDays}"; KMS accepts a whole number of days from 7 to 30.`);
      }

      const installation = await session.installation();
      const where = describeTarget(installation.accountId, installation.region, session.clients.settings);
      const question = `Delete every keystage resource with prefix "${installation.prefix}" in ${where}, and schedule its KMS keys for deletion in ${days} days?`;
      await requireConfirmation(io, options.yes, question, `Nothing was deleted; confirm at the prompt or pass --yes to destroy prefix "${installation.prefix}" in ${where}.`);

      await destroyInstallation(session, io, stages, days);
      io.stderr(
        `Destroyed prefix "${installation.prefix}" in ${where}. KMS keys are pending deletion for ${days} days and are billed until then; ` +
          `"aws kms cancel-key-deletion --key-id <id>" within that time keeps one (it stays disabled and without alias). "keystage bootstrap" creates new keys.\n`,
      );
    }),
  );
}

async function destroyInstallation(session: Session, io: Io, stages: readonly string[], keyDeletionDays: number): Promise<void> {
  const installation = await session.installation();
  const done = (line: string): void => io.stderr(`- ${line}\n`);

  await deleteFunctions(session, io, done);
  await deleteRoles(session, done);
  await deleteBuckets(session, [configBucketName(installation), artifactBucketName(installation)], done);
  await scheduleKeyDeletion(session, stages, keyDeletionDays, done);
}

/** Deletes each function (with its versions and aliases) and its log group. */
async function deleteFunctions(session: Session, io: Io, done: (line: string) => void): Promise<void> {
  const { clients, prefix } = session;
  for (const service of SERVICE_NAMES) {
    const name = functionName(prefix, service);
    const deleted = await ignoringMissing(() => clients.lambda.send(new DeleteFunctionCommand({ FunctionName: name })), [ResourceNotFoundException]);
    if (deleted) done(`deleted function ${name}`);

    const logGroupName = `/aws/lambda/${name}`;
    try {
      const deletedLogs = await ignoringMissing(() => clients.logs.send(new DeleteLogGroupCommand({ logGroupName })), [LogGroupNotFound]);
      if (deletedLogs) done(`deleted log group ${logGroupName}`);
    } catch (error) {
      io.stderr(`! could not delete log group ${logGroupName}: ${errorMessage(error)}; delete it by hand if it exists.\n`);
    }
  }
}

async function deleteRoles(session: Session, done: (line: string) => void): Promise<void> {
  const { clients, prefix } = session;
  for (const service of SERVICE_NAMES) {
    const role = roleName(prefix, service);
    await ignoringMissing(() => clients.iam.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: rolePolicyName(prefix, service) })), [NoSuchEntityException]);
    const deleted = await ignoringMissing(() => clients.iam.send(new DeleteRoleCommand({ RoleName: role })), [NoSuchEntityException]);
    if (deleted) done(`deleted role ${role}`);
  }
}

async function deleteBuckets(session: Session, buckets: readonly string[], done: (line: string) => void): Promise<void> {
  for (const bucket of buckets) {
    // Over plain http:// the TLS-only policy would reject the deletes below. The bucket owner can always delete the policy.
    await ignoringMissing(() => session.clients.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })), [NoSuchBucket]);
    const removed = await emptyBucket(session, bucket);
    const deleted = await ignoringMissing(() => session.clients.s3.send(new DeleteBucketCommand({ Bucket: bucket })), [NoSuchBucket]);
    if (deleted) done(`deleted bucket ${bucket} (${removed} object versions)`);
  }
}

/**
 * Schedules the stage keys for deletion and deletes their aliases, so nothing bootstrap made is
 * left. The keys are those behind `alias/<prefix>-<stage>` for `stages`, and any other
 * `alias/<prefix>-…` whose key carries the tag `keystage:prefix=<prefix>` (stages bootstrapped
 * with another `--stages`). A key already pending deletion keeps its date.
 */
async function scheduleKeyDeletion(session: Session, stages: readonly string[], keyDeletionDays: number, done: (line: string) => void): Promise<void> {
  const { clients, prefix } = session;
  const named = new Set(stages.map((stage) => keyAliasName(prefix, stage)));

  for (const [aliasName, keyId] of await listKeyAliases(clients.kms)) {
    if (!keyId || !aliasName.startsWith(`alias/${prefix}-`)) continue;
    if (!named.has(aliasName) && !(await taggedWithPrefix(session, keyId))) continue;

    const { KeyMetadata } = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    if (KeyMetadata?.KeyState !== 'PendingDeletion') {
      const { DeletionDate } = await clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: keyDeletionDays }));
      done(`scheduled key ${keyId} for deletion on ${DeletionDate?.toISOString() ?? `a date ${keyDeletionDays} days from now`}`);
    }

    await clients.kms.send(new DeleteAliasCommand({ AliasName: aliasName }));
    done(`deleted key alias ${aliasName}`);
  }
}

async function taggedWithPrefix(session: Session, keyId: string): Promise<boolean> {
  const { Tags } = await session.clients.kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
  return (Tags ?? []).some((tag) => tag.TagKey === 'keystage:prefix' && tag.TagValue === session.prefix);
}

/** Deletes every object version and delete marker; returns how many. A missing bucket counts as empty. */
async function emptyBucket(session: Session, bucket: string): Promise<number> {
  let removed = 0;
  try {
    for await (const page of listObjectVersionPages(session.clients.s3, bucket)) {
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((version) => ({ Key: version.Key as string, VersionId: version.VersionId }));
      if (objects.length === 0) continue;
      await session.clients.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      removed += objects.length;
    }
  } catch (error) {
    if (isAwsError(error, [NoSuchBucket], 404)) return removed;
    throw error;
  }
  return removed;
}

/** Runs a delete; false when the resource was already gone. */
async function ignoringMissing(remove: () => Promise<unknown>, notFound: Parameters<typeof isAwsError>[1]): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (error) {
    if (isAwsError(error, notFound, 404)) return false;
    throw error;
  }
}
