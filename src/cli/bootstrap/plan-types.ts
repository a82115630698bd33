import type { ServiceName } from '../build.js';
import type { AwsClients } from '../clients.js';
import type { Installation } from '../names.js';

/** Settings of a bootstrap: names, stages and the code of new functions. */
export interface BootstrapOptions {
  prefix: string;
  stages: readonly string[];
  accountId: string;
  region: string;
  /** Zip of each service, needed only for functions that do not exist yet. */
  zips: Partial<Record<ServiceName, string>>;
  /** Folder of the IAM templates; the repository's `policies/` by default. */
  policiesDir?: string;
  /** Days a replaced artifact version is kept before S3 expires it; 30 by default. */
  artifactRetentionDays?: number;
  /**
   * Whether each bucket gets the policy statement that denies requests without TLS; true by
   * default. An endpoint served over plain HTTP that evaluates bucket policies (moto does)
   * would then refuse every request, so the CLI turns it off for `http://` endpoints.
   */
  denyInsecureTransport?: boolean;
  /**
   * `cache.maxAgeSeconds` written into each stage's first config; the service default (60 s)
   * when absent. The local cloud uses a few seconds so that a config change shows quickly.
   */
  configMaxAgeSeconds?: number;
  /** Waits between polls of a resource that is still changing; 1 s by default. */
  pollIntervalMs?: number;
}

/** Values later steps need, filled from current state while planning and from results while applying. */
export interface BootstrapOutputs {
  keyArns: Map<string, string>;
  roleArns: Map<string, string>;
}

/** A change to one resource, as the plan shows it. */
export interface PlannedChange {
  /** `create`, `update` or `restore` (a key scheduled for deletion). */
  action: 'create' | 'update' | 'restore';
  /** Resource type as AWS names it, such as `AWS::KMS::Key`. */
  resourceType: string;
  /** Name or id of the resource. */
  resource: string;
  /** Change and reason, in one line. */
  detail: string;
}

/** A change and the calls that make it. Steps run in plan order. */
export interface PlannedStep extends PlannedChange {
  apply(context: PlanContext): Promise<void>;
}

export interface PlanContext {
  clients: AwsClients;
  options: BootstrapOptions;
  installation: Installation;
  outputs: BootstrapOutputs;
  /** Lines the plan shows besides its changes: settings left out on purpose, and why. */
  notices: string[];
}

/** The result of `planBootstrap`: every change needed, in the order `applyPlan` makes them. */
export interface BootstrapPlan {
  installation: Installation;
  stages: readonly string[];
  steps: PlannedStep[];
  /** Lines shown with the plan: settings left out on purpose, and why. */
  notices: string[];
  context: PlanContext;
}
