import { join } from 'node:path';

import type { ProviderContext } from './context.js';
import { createLogger } from './log.js';
import type { LogLevel } from './log.js';
import { createIamAuthorizer } from './iam/authorizer.js';
import { createIamProvider } from './iam/provider.js';
import { createKmsProvider } from './kms/provider.js';
import { createLambdaProvider } from './lambda/provider.js';
import { createLogsProvider } from './logs/provider.js';
import type { LambdaSettings } from './lambda/provider.js';
import { createS3Provider } from './s3/provider.js';
import { startServer } from './server.js';
import { BlobStore } from './store/blobs.js';
import { openDatabase } from './store/database.js';
import { createStsProvider } from './sts/provider.js';

export interface LocalCloudOptions {
  /** Folder for the database and blobs; state there is reused by the next start. */
  dataDir: string;
  /** 127.0.0.1 unless the user asks for another address. */
  host?: string;
  /** 4566 by default; 0 picks a free port. */
  port?: number;
  accountId?: string;
  /** Region used when a request carries no SigV4 credential scope. */
  defaultRegion?: string;
  logLevel?: LogLevel;
  lambda?: Partial<LambdaSettings>;
  /**
   * Checks requests signed with role credentials from STS (those of Lambda functions and of
   * AssumeRole) against the role's policies, and rejects denied calls with AccessDenied.
   * Other credentials are always allowed. Off by default.
   */
  enforceIam?: boolean;
}

/** A running local cloud. `close()` stops the listener and every execution environment. */
export interface LocalCloud {
  url: string;
  port: number;
  accountId: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4566;
export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

/** Starts the embedded AWS-compatible endpoint: S3, KMS, Lambda, IAM and STS on one port. */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const logger = createLogger(options.logLevel ?? 'warn');
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const db = openDatabase(options.dataDir);
  let url = '';
  const context: ProviderContext = {
    db,
    blobs: new BlobStore(options.dataDir),
    dataDir: options.dataDir,
    accountId,
    logger,
    endpointUrl: () => url,
  };

  const sts = createStsProvider(context, {
    roles: { getRole: (role) => iam.getRole(role), getManagedPolicyDocument: (arn) => iam.getManagedPolicyDocument(arn) },
  });
  const iam = createIamProvider(context);
  const kms = createKmsProvider(context);
  const s3 = createS3Provider(context, {
    events: {
      invokeAsync: (functionArn, payload) => lambda.invokeAsync(functionArn, payload),
      functionExists: (functionArn) => lambda.functionExists(functionArn),
    },
  });
  const logs = createLogsProvider(context);
  const lambda = createLambdaProvider(context, {
    objects: s3,
    credentials: sts,
    logs,
    settings: options.lambda ?? {},
    runtimeDir: join(options.dataDir, 'lambda'),
  });

  const running = await startServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? DEFAULT_PORT,
    accountId,
    defaultRegion: options.defaultRegion ?? DEFAULT_REGION,
    providers: [s3, kms, lambda, iam, sts, logs],
    authorizerFor: options.enforceIam
      ? createIamAuthorizer({ accountId, principalFor: (accessKeyId) => sts.principalFor(accessKeyId), roles: iam })
      : () => () => undefined,
    logger,
  });
  url = running.url;
  lambda.start();

  return {
    url: running.url,
    port: running.port,
    accountId,
    close: async () => {
      await new Promise<void>((resolve) => {
        running.server.close(() => resolve());
        running.server.closeAllConnections();
      });
      await lambda.close();
      db.close();
    },
  };
}
