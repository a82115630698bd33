import { ResourceNotFoundException, paginateListAliases, paginateListVersionsByFunction } from '@aws-sdk/client-lambda';
import { NoSuchBucket } from '@aws-sdk/client-s3';

import { readProgress } from '../core/release/progress.js';
import { isAwsError } from './aws-errors.js';
import { SERVICE_NAMES } from './build.js';
import type { AwsClients } from './clients.js';
import { functionName } from './names.js';
import { renderTable } from './output.js';

/** Target of one stage alias of one function. */
export interface AliasStatus {
  stage: string;
  service: string;
  functionName: string;
  /** Primary version, or undefined when the alias is missing. */
  version?: string;
  /** Canary routing: version to weight (0..1) of traffic; empty when none. */
  routing: Record<string, number>;
  description?: string;
  /** Descriptions of the versions in `routing`, during a canary. */
  routingDescriptions: Record<string, string>;
  codeSha256?: string;
  lastModified?: string;
  /** The release running now in this stage, when one is; from its progress object. */
  release?: { phase: string; publishedVersion: string | null; weight: number };
}

/**
 * Reads every stage alias of every function, with the description of the version it points at.
 * Stages are the union of `stages` and the aliases found, so a stage added outside the CLI shows too.
 */
export async function readStatus(clients: AwsClients, prefix: string, stages: readonly string[], artifactBucket?: string): Promise<AliasStatus[]> {
  const rows: AliasStatus[] = [];
  for (const service of SERVICE_NAMES) {
    const name = functionName(prefix, service);
    const aliases = await listAliases(clients, name);
    const versions = aliases.size > 0 ? await listVersions(clients, name) : new Map<string, VersionInfo>();
    const allStages = [...new Set([...stages, ...aliases.keys()])];

    for (const stage of allStages) {
      const alias = aliases.get(stage);
      const version = alias?.FunctionVersion;
      const info = version ? versions.get(version) : undefined;
      const routing = alias?.RoutingConfig?.AdditionalVersionWeights ?? {};
      const routingDescriptions = Object.fromEntries(Object.keys(routing).map((extra) => [extra, versions.get(extra)?.description ?? '']));
      rows.push({
        stage,
        service,
        functionName: name,
        version,
        routing,
        description: info?.description,
        routingDescriptions,
        codeSha256: info?.codeSha256,
        lastModified: info?.lastModified,
        release: artifactBucket ? await readRunningRelease(clients, artifactBucket, name, stage) : undefined,
      });
    }
  }
  return rows.sort((a, b) => stageOrder(a.stage, stages) - stageOrder(b.stage, stages) || SERVICE_NAMES.indexOf(a.service as never) - SERVICE_NAMES.indexOf(b.service as never));
}

/** The release of a function in a stage that has not finished, if any. A missing bucket counts as none. */
async function readRunningRelease(clients: AwsClients, bucket: string, name: string, stage: string): Promise<AliasStatus['release']> {
  try {
    const progress = await readProgress(clients.s3, bucket, name, stage);
    if (!progress || progress.phase === 'done') return undefined;
    return { phase: progress.phase, publishedVersion: progress.publishedVersion, weight: progress.weight };
  } catch (error) {
    if (isAwsError(error, [NoSuchBucket], 404)) return undefined;
    throw error;
  }
}

interface VersionInfo {
  description?: string;
  codeSha256?: string;
  lastModified?: string;
}

type AliasSummary = { FunctionVersion?: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } };

async function listAliases(clients: AwsClients, name: string): Promise<Map<string, AliasSummary>> {
  const aliases = new Map<string, AliasSummary>();
  try {
    for await (const page of paginateListAliases({ client: clients.lambda }, { FunctionName: name })) {
      for (const alias of page.Aliases ?? []) if (alias.Name) aliases.set(alias.Name, alias);
    }
  } catch (error) {
    if (!isAwsError(error, [ResourceNotFoundException], 404)) throw error;
  }
  return aliases;
}

async function listVersions(clients: AwsClients, name: string): Promise<Map<string, VersionInfo>> {
  const versions = new Map<string, VersionInfo>();
  for await (const page of paginateListVersionsByFunction({ client: clients.lambda }, { FunctionName: name })) {
    for (const version of page.Versions ?? []) {
      if (version.Version) {
        versions.set(version.Version, { description: version.Description, codeSha256: version.CodeSha256, lastModified: version.LastModified });
      }
    }
  }
  return versions;
}

function stageOrder(stage: string, stages: readonly string[]): number {
  const index = stages.indexOf(stage);
  return index < 0 ? stages.length : index;
}

/** The status as a table: one row per stage and function. */
export function renderStatus(rows: readonly AliasStatus[]): string {
  return renderTable(
    ['STAGE', 'FUNCTION', 'ALIAS → VERSION', 'DESCRIPTION'],
    rows.map((row) => [row.stage, row.functionName, formatTarget(row), describeVersions(row)]),
  );
}

/** Joins the primary version's description with, during a canary, the new version's. */
function describeVersions(row: AliasStatus): string {
  const extra = Object.entries(row.routingDescriptions).map(([version, description]) => `canary ${version}: ${description}`);
  const releasing = row.release?.publishedVersion ? `releasing version ${row.release.publishedVersion}` : 'releasing';
  const release = row.release ? [`${releasing}: ${row.release.phase}`] : [];
  return [row.description ?? '', ...extra, ...release].join(' | ');
}

/** "dev → 4", or "dev → 3 (90 %), 4 (10 %)" during a canary, or "dev → (missing)". */
export function formatTarget(row: AliasStatus): string {
  if (!row.version) return `${row.stage} → (missing)`;

  const extra = Object.entries(row.routing);
  if (extra.length === 0) return `${row.stage} → ${row.version}`;

  const extraWeight = extra.reduce((sum, [, weight]) => sum + weight, 0);
  const shares = [`${row.version} (${percent(1 - extraWeight)})`, ...extra.map(([version, weight]) => `${version} (${percent(weight)})`)];
  return `${row.stage} → ${shares.join(', ')}`;
}

function percent(weight: number): string {
  return `${Math.round(weight * 1000) / 10} %`;
}
