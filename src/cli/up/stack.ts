import { applyPlan } from '../bootstrap/plan.js';
import { SERVICE_NAMES, buildServices, readBuiltServices } from '../build.js';
import type { BuiltService } from '../build.js';
import { formatChange, resolveTlsOnlyPolicy } from '../commands/bootstrap.js';
import { planBootstrap } from '../bootstrap/plan.js';
import type { ServiceName } from '../build.js';
import type { Session } from '../session.js';
import { readStatus } from '../status.js';
import type { AliasStatus } from '../status.js';
import { releaseDeployFunction, releaseToStages } from './releases.js';
import type { StageRelease } from './releases.js';
import { roundTrip } from './round-trip.js';
import type { RoundTrip } from './round-trip.js';

export interface StackOptions {
  stages: readonly string[];
  outDir: string;
  /** False to release the zips already in `outDir` instead of building them. */
  build: boolean;
  /** Description of the releases `up` makes, shown as the Lambda version description. */
  description: string;
  /** Maximum wait for one release, in milliseconds. */
  releaseTimeoutMs: number;
  pollIntervalMs: number;
  log: (line: string) => void;
}

/** Everything `up` did, for its summary. */
export interface StackSummary {
  built: BuiltService[];
  changesApplied: number;
  releases: StageRelease[];
  roundTrips: RoundTrip[];
  status: AliasStatus[];
}

/** The services `up` releases to every stage; the deploy function is released only when its build changed. */
export const RELEASED_SERVICES: readonly ServiceName[] = ['encryption', 'decryption'];

/** Config cache max age of the local stages: short, so that `keystage config set` shows within seconds. */
export const LOCAL_CONFIG_MAX_AGE_SECONDS = 5;

/**
 * Builds the services, bootstraps every stage, releases a changed deploy function, releases
 * encryption and decryption to each stage through the deploy function, and checks an
 * encrypt → decrypt round trip per stage. Safe to
 * run again: bootstrap changes only what is missing and unchanged builds are not re-released.
 * A failed release does not stop the rest; the summary lists it, and that stage keeps its
 * previous version.
 */
export async function bringUpStack(session: Session, options: StackOptions): Promise<StackSummary> {
  const installation = await session.installation();

  options.log(options.build ? 'Building the services…' : `Using the zips in ${options.outDir}.`);
  const built = options.build ? await buildServices({ outDir: options.outDir, services: SERVICE_NAMES }) : readBuiltServices(options.outDir, SERVICE_NAMES);
  const zips = Object.fromEntries(built.map((service) => [service.service, service.zipPath])) as Record<ServiceName, string>;

  const denyInsecureTransport = resolveTlsOnlyPolicy('auto', session.clients.settings.endpoint);
  const plan = await planBootstrap(session.clients, { ...installation, stages: options.stages, zips, pollIntervalMs: options.pollIntervalMs, denyInsecureTransport, configMaxAgeSeconds: LOCAL_CONFIG_MAX_AGE_SECONDS });
  options.log(plan.steps.length === 0 ? 'Bootstrap: every resource is in place.' : `Bootstrap: ${plan.steps.length} change(s).`);
  await applyPlan(plan, (step, index) => options.log(`  [${index + 1}/${plan.steps.length}] ${formatChange(step)}`));

  const releaseOptions = { description: options.description, timeoutMs: options.releaseTimeoutMs, pollIntervalMs: options.pollIntervalMs, log: options.log };
  const deployBuild = built.find((service) => service.service === 'deploy') as BuiltService;
  const deployReleases = await releaseDeployFunction(session.clients, installation, deployBuild, options.stages, releaseOptions);

  const toRelease = built.filter((service) => RELEASED_SERVICES.includes(service.service as ServiceName));
  const releases = [...deployReleases, ...(await releaseToStages(session.clients, installation, toRelease, options.stages, releaseOptions))];
  const roundTrips: RoundTrip[] = [];
  for (const stage of options.stages) roundTrips.push(await roundTrip(session.clients, installation.prefix, stage));

  const status = await readStatus(session.clients, installation.prefix, options.stages);
  return { built, changesApplied: plan.steps.length, releases, roundTrips, status };
}
