import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The local cloud that `keystage up` serves from a folder, recorded in `.keystage/up.json` of
 * that folder, so that other commands run there reach it without `--endpoint`.
 */
export interface RunningCloud {
  url: string;
  region: string;
  pid: number;
}

/** Path of the record, relative to the folder `keystage up` runs in. */
export const RUNNING_CLOUD_FILE = join('.keystage', 'up.json');

/** Records the local cloud this process serves; `removeRunningCloud` deletes the record again. */
export function recordRunningCloud(folder: string, cloud: RunningCloud): void {
  const path = join(folder, RUNNING_CLOUD_FILE);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(cloud)}\n`);
}

/** Deletes the record in `folder` if it names the process `pid`, so a newer `up` keeps its own. */
export function removeRunningCloud(folder: string, pid: number): void {
  const path = join(folder, RUNNING_CLOUD_FILE);
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunningCloud>;
    if (record.pid === pid) rmSync(path, { force: true });
  } catch {
    // A missing or unreadable record needs no cleanup.
  }
}

/**
 * Returns the local cloud recorded in `folder` while the process that serves it is alive. A
 * record left by a process that was killed names a dead pid and is ignored.
 */
export function findRunningCloud(folder: string): RunningCloud | undefined {
  let record: Partial<RunningCloud>;
  try {
    record = JSON.parse(readFileSync(join(folder, RUNNING_CLOUD_FILE), 'utf8')) as Partial<RunningCloud>;
  } catch {
    return undefined;
  }

  const { url, region, pid } = record;
  if (typeof url !== 'string' || typeof region !== 'string' || typeof pid !== 'number') return undefined;
  return isAlive(pid) ? { url, region, pid } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
