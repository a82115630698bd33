import { AddPermissionCommand, GetPolicyCommand, RemovePermissionCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import type { LambdaFunctionConfiguration, NotificationConfiguration } from '@aws-sdk/client-s3';

import { readOrUndefined } from '../aws-errors.js';
import { artifactBucketName, functionArn, functionName } from '../names.js';
import type { PlanContext, PlannedStep } from './plan-types.js';

/** Statement id of the resource policy that lets S3 invoke the deploy function. */
export function invokePermissionId(prefix: string): string {
  return `${prefix}-artifacts-s3-invoke`;
}

/** Id of the artifact bucket's notification to the deploy function. */
export function notificationId(prefix: string): string {
  return `${prefix}-deploy-on-upload`;
}

/**
 * Plans the artifact bucket's `s3:ObjectCreated:*` notification for `.zip` keys to the deploy
 * function's unqualified ARN, and the resource policy that lets S3 invoke it. The permission
 * comes first because S3 checks the destination when the notification is saved.
 */
export async function planNotification(context: PlanContext, functionExists: boolean, bucketExists: boolean): Promise<PlannedStep[]> {
  const steps: PlannedStep[] = [];
  const { prefix } = context.options;
  const deployName = functionName(prefix, 'deploy');
  const bucket = artifactBucketName(context.installation);

  const permission = functionExists ? await readInvokePermission(context, deployName, bucket) : 'absent';
  if (permission !== 'present') {
    steps.push({
      action: permission === 'absent' ? 'create' : 'update',
      resourceType: 'AWS::Lambda::Permission',
      resource: `${deployName}/${invokePermissionId(prefix)}`,
      detail:
        `let s3.amazonaws.com invoke ${deployName} for objects in ${bucket} (SourceArn and SourceAccount)` +
        (permission === 'different' ? '; the statement names another bucket or account, so replace it' : ''),
      apply: async (applyContext) => {
        if (permission === 'different') {
          await applyContext.clients.lambda.send(new RemovePermissionCommand({ FunctionName: deployName, StatementId: invokePermissionId(prefix) }));
        }
        await applyContext.clients.lambda.send(
          new AddPermissionCommand({
            FunctionName: deployName,
            StatementId: invokePermissionId(prefix),
            Action: 'lambda:InvokeFunction',
            Principal: 's3.amazonaws.com',
            SourceArn: `arn:aws:s3:::${bucket}`,
            SourceAccount: applyContext.installation.accountId,
          }),
        );
      },
    });
  }

  const current: NotificationConfiguration = bucketExists ? await readNotification(context, bucket) : {};
  const desired = deployNotification(context);
  if (!(current.LambdaFunctionConfigurations ?? []).some((existing) => sameNotification(existing, desired))) {
    steps.push({
      action: 'create',
      resourceType: 'AWS::S3::BucketNotification',
      resource: bucket,
      detail: `send s3:ObjectCreated:* for *.zip to ${deployName}`,
      apply: async (applyContext) => {
        const latest = await readNotification(applyContext, bucket);
        const others = (latest.LambdaFunctionConfigurations ?? []).filter((existing) => existing.Id !== desired.Id);
        await applyContext.clients.s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: bucket,
            NotificationConfiguration: {
              TopicConfigurations: latest.TopicConfigurations,
              QueueConfigurations: latest.QueueConfigurations,
              EventBridgeConfiguration: latest.EventBridgeConfiguration,
              LambdaFunctionConfigurations: [...others, desired],
            },
          }),
        );
      },
    });
  }
  return steps;
}

function deployNotification(context: PlanContext): LambdaFunctionConfiguration {
  return {
    Id: notificationId(context.options.prefix),
    LambdaFunctionArn: functionArn(context.installation, 'deploy'),
    Events: ['s3:ObjectCreated:*'],
    Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.zip' }] } },
  };
}

function sameNotification(existing: LambdaFunctionConfiguration, desired: LambdaFunctionConfiguration): boolean {
  const rules = existing.Filter?.Key?.FilterRules ?? [];
  const suffixRule = rules.length === 1 && rules[0]?.Name?.toLowerCase() === 'suffix' && rules[0]?.Value === '.zip';
  return existing.LambdaFunctionArn === desired.LambdaFunctionArn && (existing.Events ?? []).join(',') === 's3:ObjectCreated:*' && suffixRule;
}

async function readNotification(context: PlanContext, bucket: string): Promise<NotificationConfiguration> {
  return context.clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
}

/**
 * Reads the deploy function's statement that lets S3 invoke it. It is `different` when it does
 * not name the artifact bucket's ARN and the account, the conditions that stop other buckets
 * and accounts from invoking the function.
 */
async function readInvokePermission(context: PlanContext, deployName: string, bucket: string): Promise<'present' | 'absent' | 'different'> {
  const result = await readOrUndefined(() => context.clients.lambda.send(new GetPolicyCommand({ FunctionName: deployName })), [ResourceNotFoundException]);
  if (!result?.Policy) return 'absent';

  const policy = JSON.parse(result.Policy) as { Statement?: { Sid?: string }[] };
  const statement = (policy.Statement ?? []).find((candidate) => candidate.Sid === invokePermissionId(context.options.prefix));
  if (!statement) return 'absent';

  const text = JSON.stringify(statement);
  const limited = text.includes(`"arn:aws:s3:::${bucket}"`) && text.includes(`"${context.installation.accountId}"`);
  return limited ? 'present' : 'different';
}
