import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const ARTIFACTS = 'notified-artifacts';
const RECEIPTS = 'notified-receipts';

/**
 * A function that stores every event it receives in the receipts bucket, under the decoded
 * object key, with an unsigned PUT to the local cloud (unsigned requests go to S3).
 */
const RECORDER_SOURCE = `
export const handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));
    const target = process.env.AWS_ENDPOINT_URL + '/${RECEIPTS}/' + encodeURIComponent(key + '.' + record.eventName + '.json');
    const response = await fetch(target, { method: 'PUT', body: JSON.stringify(record) });
    if (!response.ok) throw new Error('storing the receipt failed with ' + response.status);
  }
  return 'recorded';
};
`;

let cloud: TestCloud;
let s3: S3Client;
let functionArn: string;

async function waitForReceipt(key: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const output = await s3.send(new GetObjectCommand({ Bucket: RECEIPTS, Key: key }));
      return JSON.parse(await output.Body!.transformToString()) as Record<string, unknown>;
    } catch (error) {
      if ((error as Error).name !== 'NoSuchKey') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`no receipt ${key} arrived within 30 seconds`);
}

beforeAll(async () => {
  cloud = await startTestCloud();
  s3 = new S3Client(cloud.clientConfig);
  const lambda = new LambdaClient(cloud.clientConfig);

  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'receipt-recorder',
      Runtime: 'nodejs20.x',
      Role: 'arn:aws:iam::000000000000:role/receipt-recorder',
      Handler: 'index.handler',
      Code: { ZipFile: zipSync({ 'index.mjs': strToU8(RECORDER_SOURCE) }) },
    }),
  );
  functionArn = created.FunctionArn!;
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'receipt-recorder' });
  lambda.destroy();

  await s3.send(new CreateBucketCommand({ Bucket: RECEIPTS }));
  await s3.send(new CreateBucketCommand({ Bucket: ARTIFACTS }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: ARTIFACTS, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: ARTIFACTS,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          { Id: 'zip-uploads', LambdaFunctionArn: functionArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.zip' }] } } },
        ],
      },
    }),
  );
});

afterAll(async () => {
  s3?.destroy();
  await cloud?.stop();
});

describe('notifications through the Lambda provider', () => {
  it('invokes the function with the event of an upload', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: ARTIFACTS, Key: 'dev/my app+1.zip', Body: 'zip bytes' }));

    const record = await waitForReceipt('dev/my app+1.zip.ObjectCreated:Put.json');

    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { configurationId: 'zip-uploads', bucket: { name: ARTIFACTS }, object: { key: 'dev/my+app%2B1.zip', versionId: put.VersionId, size: 9 } },
    });
  });

  it('rejects a configuration naming a function that does not exist', async () => {
    await expect(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: ARTIFACTS,
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [{ LambdaFunctionArn: `${functionArn.replace('receipt-recorder', 'missing-function')}`, Events: ['s3:ObjectCreated:*'] }],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});
