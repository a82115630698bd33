import { readFileSync } from 'node:fs';

import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  PublishVersionCommand,
  ResourceNotFoundException,
  UpdateFunctionConfigurationCommand,
  paginateListAliases,
} from '@aws-sdk/client-lambda';
import type { FunctionConfiguration, LambdaClient } from '@aws-sdk/client-lambda';

import { readOrUndefined } from '../aws-errors.js';
import { SERVICE_NAMES } from '../build.js';
import type { ServiceName } from '../build.js';
import { CliError, WaitTimeoutError } from '../errors.js';
import { artifactBucketName, configBucketName, functionName } from '../names.js';
import { deployableFunctions } from './roles.js';
import type { PlanContext, PlannedStep } from './plan-types.js';

/** Settings of every keystage function. Creation does not publish, because stage aliases choose versions. */
export const FUNCTION_RUNTIME = 'nodejs20.x';
export const FUNCTION_HANDLER = 'index.handler';

/** Timeouts in seconds: encryption and decryption reply to callers synchronously, but a release may bake a canary. */
export const TIMEOUT_SECONDS: Record<ServiceName, number> = { encryption: 30, decryption: 30, deploy: 900 };

/** Builds the environment variables bootstrap owns; others on the function (such as the release marker) are kept. */
export function functionEnvironment(context: Pick<PlanContext, 'options' | 'installation'>, service: ServiceName): Record<string, string> {
  if (service === 'deploy') {
    return {
      ARTIFACT_BUCKET: artifactBucketName(context.installation),
      DEPLOYABLE_FUNCTIONS: deployableFunctions(context.installation.prefix).join(','),
    };
  }
  return { CONFIG_BUCKET: configBucketName(context.installation), DEFAULT_STAGE: context.options.stages[0] ?? 'dev' };
}

/** Plans the three functions, their settings, and an alias per stage on each. */
export async function planFunctions(context: PlanContext): Promise<PlannedStep[]> {
  const steps: PlannedStep[] = [];
  for (const service of SERVICE_NAMES) {
    const name = functionName(context.options.prefix, service);
    const current = await readOrUndefined(
      () => context.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })),
      [ResourceNotFoundException],
    );

    if (!current) {
      steps.push(createFunctionStep(context, service));
    } else {
      const update = updateFunctionStep(context, service, current);
      if (update) steps.push(update);
    }

    const existingAliases = current ? await listAliasNames(context.clients.lambda, name) : new Set<string>();
    const missing = context.options.stages.filter((stage) => !existingAliases.has(stage));
    if (missing.length > 0) steps.push(createAliasesStep(service, name, missing));
  }
  return steps;
}

async function listAliasNames(lambda: LambdaClient, name: string): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of paginateListAliases({ client: lambda }, { FunctionName: name })) {
    for (const alias of page.Aliases ?? []) if (alias.Name) names.add(alias.Name);
  }
  return names;
}

function createFunctionStep(context: PlanContext, service: ServiceName): PlannedStep {
  const name = functionName(context.options.prefix, service);
  const zipPath = context.options.zips[service];
  if (!zipPath) throw new CliError(`Function ${name} does not exist and no zip was built for it; run "keystage build" first.`);

  let zip: Buffer;
  try {
    zip = readFileSync(zipPath);
  } catch (error) {
    throw new CliError(`Cannot read ${zipPath} to create ${name}: ${(error as Error).message}. Run "keystage build" first.`, { cause: error });
  }

  return {
    action: 'create',
    resourceType: 'AWS::Lambda::Function',
    resource: name,
    detail: `${FUNCTION_RUNTIME}, handler ${FUNCTION_HANDLER}, timeout ${TIMEOUT_SECONDS[service]} s, code from ${zipPath}`,
    apply: async (applyContext) => {
      const role = applyContext.outputs.roleArns.get(service);
      if (!role) throw new CliError(`No execution role is known for ${name}; run bootstrap again.`);

      await createFunctionWhenRoleIsReady(applyContext, {
        FunctionName: name,
        Runtime: FUNCTION_RUNTIME,
        Handler: FUNCTION_HANDLER,
        Role: role,
        Code: { ZipFile: zip },
        Timeout: TIMEOUT_SECONDS[service],
        Environment: { Variables: functionEnvironment(applyContext, service) },
        Publish: false,
        Description: `keystage ${service} service`,
        Tags: { 'keystage:prefix': applyContext.options.prefix },
      });
    },
  };
}

/**
 * IAM is eventually consistent: on AWS, a role created seconds ago may not yet be assumable by
 * Lambda, and CreateFunction then fails with InvalidParameterValueException. Retries for up to
 * about 30 seconds.
 */
async function createFunctionWhenRoleIsReady(context: PlanContext, input: ConstructorParameters<typeof CreateFunctionCommand>[0]): Promise<void> {
  const attempts = 10;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await context.clients.lambda.send(new CreateFunctionCommand(input));
      return;
    } catch (error) {
      const roleNotReady = error instanceof InvalidParameterValueException && /role|assume/i.test(error.message);
      if (!roleNotReady || attempt === attempts) throw error;
      await sleep(3000);
    }
  }
}

function updateFunctionStep(context: PlanContext, service: ServiceName, current: FunctionConfiguration): PlannedStep | undefined {
  const name = functionName(context.options.prefix, service);
  const desired = functionEnvironment(context, service);
  const currentVariables = current.Environment?.Variables ?? {};
  const role = context.outputs.roleArns.get(service);

  const differences: string[] = [];
  if (current.Runtime !== FUNCTION_RUNTIME) differences.push(`runtime ${current.Runtime} → ${FUNCTION_RUNTIME}`);
  if (current.Handler !== FUNCTION_HANDLER) differences.push(`handler ${current.Handler} → ${FUNCTION_HANDLER}`);
  if (current.Timeout !== TIMEOUT_SECONDS[service]) differences.push(`timeout ${current.Timeout} → ${TIMEOUT_SECONDS[service]} s`);
  if (role && current.Role !== role) differences.push(`role → ${role}`);
  for (const [key, value] of Object.entries(desired)) {
    if (currentVariables[key] !== value) differences.push(`${key}=${value}`);
  }
  if (differences.length === 0) return undefined;

  return {
    action: 'update',
    resourceType: 'AWS::Lambda::Function',
    resource: name,
    detail: `configuration of $LATEST: ${differences.join(', ')} (takes effect in a stage with its next release)`,
    apply: async (applyContext) => {
      await waitForFunctionReady(applyContext.clients.lambda, name, applyContext.options.pollIntervalMs);
      await applyContext.clients.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: name,
          Runtime: FUNCTION_RUNTIME,
          Handler: FUNCTION_HANDLER,
          Timeout: TIMEOUT_SECONDS[service],
          ...(applyContext.outputs.roleArns.get(service) ? { Role: applyContext.outputs.roleArns.get(service) } : {}),
          Environment: { Variables: { ...currentVariables, ...desired } },
        }),
      );
    },
  };
}

function createAliasesStep(service: ServiceName, name: string, stages: readonly string[]): PlannedStep {
  return {
    action: 'create',
    resourceType: 'AWS::Lambda::Alias',
    resource: `${name}:${stages.join(',')}`,
    detail: 'publish the current code as a version and point each stage alias at it',
    apply: async (applyContext) => {
      await waitForFunctionReady(applyContext.clients.lambda, name, applyContext.options.pollIntervalMs);
      const { Version } = await applyContext.clients.lambda.send(
        new PublishVersionCommand({ FunctionName: name, Description: `bootstrap: first version of the ${service} service` }),
      );
      for (const stage of stages) {
        await applyContext.clients.lambda.send(
          new CreateAliasCommand({ FunctionName: name, Name: stage, FunctionVersion: Version, Description: `stage ${stage}` }),
        );
      }
    },
  };
}

/**
 * Polls until the function is Active and no update is in progress, because Lambda rejects
 * PublishVersion and configuration changes until then.
 */
export async function waitForFunctionReady(lambda: LambdaClient, name: string, pollIntervalMs = 1000, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (configuration.State === 'Failed' || configuration.LastUpdateStatus === 'Failed') {
      throw new CliError(`Function ${name} is in a failed state: ${configuration.StateReason ?? configuration.LastUpdateStatusReason ?? 'no reason given'}.`);
    }
    const active = configuration.State === undefined || configuration.State === 'Active';
    if (active && configuration.LastUpdateStatus !== 'InProgress') return;

    if (Date.now() > deadline) throw new WaitTimeoutError(`Function ${name} was not ready after ${timeoutMs / 1000} s (state ${configuration.State}, last update ${configuration.LastUpdateStatus}).`);
    await sleep(pollIntervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
