/**
 * Settings of the deploy function, read from its environment:
 * - `ARTIFACT_BUCKET`: the artifact bucket (ledgers, leases, progress, smoke events); S3 records
 *   from other buckets are ignored. When unset, a record's own bucket is used.
 * - `DEPLOYABLE_FUNCTIONS`: comma-separated names of the functions this service may deploy.
 * - Optional tuning, in seconds: `KEYSTAGE_LEASE_TTL_SECONDS`, `KEYSTAGE_LEASE_MAX_WAIT_SECONDS`,
 *   `KEYSTAGE_UPDATE_WAIT_SECONDS`, `KEYSTAGE_PROBE_INTERVAL_SECONDS`, `KEYSTAGE_SAFETY_MARGIN_SECONDS`.
 */
import { InvalidInputError } from '../../core/errors.js';
import { DEFAULT_RELEASE_SETTINGS } from '../../core/release/index.js';
import type { ReleaseSettings } from '../../core/release/index.js';

export interface DeploySettings {
  artifactBucket: string | undefined;
  deployableFunctions: ReadonlySet<string>;
  release: ReleaseSettings;
}

/** Reads the settings; throws `InvalidInputError` naming a tuning variable that is not a number. */
export function readDeploySettings(env: NodeJS.ProcessEnv): DeploySettings {
  const names = (env.DEPLOYABLE_FUNCTIONS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');

  return {
    artifactBucket: env.ARTIFACT_BUCKET?.trim() || undefined,
    deployableFunctions: new Set(names),
    release: {
      leaseTtlMs: secondsAsMs(env, 'KEYSTAGE_LEASE_TTL_SECONDS', DEFAULT_RELEASE_SETTINGS.leaseTtlMs),
      leaseMaxWaitMs: secondsAsMs(env, 'KEYSTAGE_LEASE_MAX_WAIT_SECONDS', DEFAULT_RELEASE_SETTINGS.leaseMaxWaitMs),
      updateWaitSeconds: secondsAsMs(env, 'KEYSTAGE_UPDATE_WAIT_SECONDS', DEFAULT_RELEASE_SETTINGS.updateWaitSeconds * 1000) / 1000,
      probeIntervalMs: secondsAsMs(env, 'KEYSTAGE_PROBE_INTERVAL_SECONDS', DEFAULT_RELEASE_SETTINGS.probeIntervalMs),
      safetyMarginMs: secondsAsMs(env, 'KEYSTAGE_SAFETY_MARGIN_SECONDS', DEFAULT_RELEASE_SETTINGS.safetyMarginMs),
    },
  };
}

function secondsAsMs(env: NodeJS.ProcessEnv, name: string, defaultMs: number): number {
  const text = env[name]?.trim();
  if (!text) return defaultMs;

  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidInputError(`${name} is "${text}"; set it to a number of seconds (0 or more), or unset it for the default.`);
  }
  return Math.round(seconds * 1000);
}
