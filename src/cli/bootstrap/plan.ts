import type { AwsClients } from '../clients.js';
import { artifactBucketName, configBucketName, functionName } from '../names.js';
import type { Installation } from '../names.js';
import { planBuckets, planStageConfigs } from './buckets.js';
import { planFunctions } from './functions.js';
import { planKeys } from './keys.js';
import { planLifecycle } from './lifecycle.js';
import { planNotification } from './notification.js';
import type { BootstrapOptions, BootstrapPlan, PlanContext, PlannedChange, PlannedStep } from './plan-types.js';
import { planRoles } from './roles.js';
import { planSmokeEvents } from './smoke.js';

export type { BootstrapOptions, BootstrapPlan, PlannedChange } from './plan-types.js';

/**
 * Reads the current state of every resource keystage needs and returns the changes that would
 * bring it to the desired state. Planning only reads; an installation that is complete gives an
 * empty plan, so applying it makes no write calls.
 */
export async function planBootstrap(clients: AwsClients, options: BootstrapOptions): Promise<BootstrapPlan> {
  const installation: Installation = { prefix: options.prefix, accountId: options.accountId, region: options.region };
  const context: PlanContext = { clients, options, installation, outputs: { keyArns: new Map(), roleArns: new Map() }, notices: [] };

  const keySteps = await planKeys(context);
  const bucketSteps = await planBuckets(context);
  const roleSteps = await planRoles(context);
  const functionSteps = await planFunctions(context);

  const creates = (resourceType: string, resource: string): boolean =>
    [...bucketSteps, ...functionSteps].some((step) => step.action === 'create' && step.resourceType === resourceType && step.resource === resource);
  const deployExists = !creates('AWS::Lambda::Function', functionName(options.prefix, 'deploy'));
  const artifactBucketExists = !creates('AWS::S3::Bucket', artifactBucketName(installation));
  const configBucketExists = !creates('AWS::S3::Bucket', configBucketName(installation));

  const notificationSteps = await planNotification(context, deployExists, artifactBucketExists);
  const configSteps = await planStageConfigs(context, configBucketExists);
  const smokeSteps = await planSmokeEvents(context, artifactBucketExists);
  const lifecycleSteps = await planLifecycle(context, artifactBucketExists);

  return {
    installation,
    stages: options.stages,
    steps: [...keySteps, ...bucketSteps, ...roleSteps, ...functionSteps, ...notificationSteps, ...configSteps, ...smokeSteps, ...lifecycleSteps],
    notices: context.notices,
    context,
  };
}

/**
 * Makes the planned changes in order. `onStep` runs before each one, for progress output. A
 * failure stops at that step; running bootstrap again plans only what is still missing.
 */
export async function applyPlan(plan: BootstrapPlan, onStep: (step: PlannedChange, index: number) => void = () => undefined): Promise<void> {
  for (const [index, step] of plan.steps.entries()) {
    onStep(step, index);
    await step.apply(plan.context);
  }
}

/** Returns the plan without its closures, for `--json` and tests. */
export function describePlan(plan: BootstrapPlan): PlannedChange[] {
  return plan.steps.map(({ action, resourceType, resource, detail }: PlannedStep) => ({ action, resourceType, resource, detail }));
}
