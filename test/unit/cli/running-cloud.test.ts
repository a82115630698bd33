import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { RUNNING_CLOUD_FILE, findRunningCloud, recordRunningCloud, removeRunningCloud } from '../../../src/cli/running-cloud.js';

const URL = 'http://127.0.0.1:4566';
const DEAD_PID = 2 ** 22 + 1;

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'keystage-running-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('running cloud record', () => {
  it('finds a cloud served by a live process', () => {
    recordRunningCloud(folder, { url: URL, region: 'us-east-1', pid: process.pid });

    expect(findRunningCloud(folder)).toEqual({ url: URL, region: 'us-east-1', pid: process.pid });
  });

  it('ignores a record of a dead process', () => {
    recordRunningCloud(folder, { url: URL, region: 'us-east-1', pid: DEAD_PID });

    expect(findRunningCloud(folder)).toBeUndefined();
  });

  it('finds nothing without a record', () => {
    expect(findRunningCloud(folder)).toBeUndefined();
  });

  it('keeps a record of another process on removal', () => {
    recordRunningCloud(folder, { url: URL, region: 'us-east-1', pid: process.pid });

    removeRunningCloud(folder, DEAD_PID);

    expect(existsSync(join(folder, RUNNING_CLOUD_FILE))).toBe(true);
  });

  it('removes its own record', () => {
    recordRunningCloud(folder, { url: URL, region: 'us-east-1', pid: process.pid });

    removeRunningCloud(folder, process.pid);

    expect(existsSync(join(folder, RUNNING_CLOUD_FILE))).toBe(false);
  });
});
