import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startLocalCloud } from '../../src/localcloud/index.js';
import type { LocalCloud, LocalCloudOptions } from '../../src/localcloud/index.js';

/** Static credentials for test clients; the local cloud accepts any. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIAKEYSTAGETEST0001', secretAccessKey: 'test-secret' };
export const TEST_REGION = 'us-east-1';

/** A local cloud on a free loopback port with a fresh data directory. */
export interface TestCloud extends LocalCloud {
  dataDir: string;
  /** Client settings for AWS SDK v3 clients aimed at this cloud. */
  clientConfig: { endpoint: string; region: string; credentials: typeof TEST_CREDENTIALS; forcePathStyle: boolean };
  /** Stops the cloud and removes its data directory. */
  stop(): Promise<void>;
}

export async function startTestCloud(options: Partial<LocalCloudOptions> = {}): Promise<TestCloud> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'keystage-cloud-'));
  const cloud = await startLocalCloud({ port: 0, logLevel: 'error', ...options, dataDir });
  return {
    ...cloud,
    dataDir,
    clientConfig: { endpoint: cloud.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true },
    stop: async () => {
      await cloud.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Environment for running the AWS CLI or boto3 against an endpoint, with no profile lookups. */
export function awsCliEnvironment(endpoint: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_ENDPOINT_URL: endpoint,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}
