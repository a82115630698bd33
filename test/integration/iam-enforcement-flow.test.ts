import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GetRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parsePolicyDocument } from '../../src/cli/bootstrap/policies.js';
import { rolePolicyName } from '../../src/cli/bootstrap/roles.js';
import { DEFAULT_REGION } from '../../src/cli/clients.js';
import { invokeJson } from '../../src/cli/lambda-invoke.js';
import { roleName } from '../../src/cli/names.js';
import { openSession } from '../../src/cli/session.js';
import type { Session } from '../../src/cli/session.js';
import { roundTrip } from '../../src/cli/up/round-trip.js';
import { bringUpStack } from '../../src/cli/up/stack.js';
import type { StackSummary } from '../../src/cli/up/stack.js';
import { TEST_CREDENTIALS, startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';
import { recordingIo } from '../unit/cli/test-io.js';

const STAGES = ['dev', 'prod'];
const ROLE = roleName('keystage', 'encryption');
const POLICY_NAME = rolePolicyName('keystage', 'encryption');

let cloud: TestCloud;
let session: Session;
let summary: StackSummary;
let outDir: string;
let originalPolicy: string;

interface Statement {
  Sid?: string;
}

async function putEncryptionPolicy(document: string): Promise<void> {
  await session.clients.iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: POLICY_NAME, PolicyDocument: document }));
}

beforeAll(async () => {
  cloud = await startTestCloud({ enforceIam: true });
  outDir = mkdtempSync(join(tmpdir(), 'keystage-iam-flow-dist-'));
  session = openSession({ prefix: 'keystage' }, recordingIo(), { endpoint: cloud.url, region: DEFAULT_REGION, credentials: TEST_CREDENTIALS });

  summary = await bringUpStack(session, {
    stages: STAGES,
    outDir,
    build: true,
    description: 'release under IAM enforcement',
    releaseTimeoutMs: 120_000,
    pollIntervalMs: 200,
    log: () => undefined,
  });

  const { PolicyDocument } = await session.clients.iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: POLICY_NAME }));
  originalPolicy = JSON.stringify(parsePolicyDocument(PolicyDocument as string));
}, 300_000);

afterAll(async () => {
  session?.close();
  await cloud?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('the up flow with IAM enforced', () => {
  it('releases every service through the deploy function', () => {
    const outcomes = summary.releases.filter((release) => release.entry !== undefined).map((release) => `${release.service}/${release.stage}: ${release.entry?.outcome}`);

    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => !outcome.endsWith('succeeded'))).toEqual([]);
  });

  it('round-trips a message in every stage', () => {
    expect(summary.roundTrips.filter((trip) => !trip.ok)).toEqual([]);
  });

  it('denies encryption once its role loses the KMS statement', async () => {
    const document = JSON.parse(originalPolicy) as { Statement: Statement[] };
    const reduced = { ...document, Statement: document.Statement.filter((statement) => statement.Sid !== 'EncryptWithKeystageKeys') };
    expect(reduced.Statement.length).toBe(document.Statement.length - 1);
    await putEncryptionPolicy(JSON.stringify(reduced));

    try {
      // The kms format calls KMS Encrypt on every request; the envelope format may reuse a cached data key.
      const result = await invokeJson(session.clients, 'keystage-encryption', 'prod', { data: 'denied message', format: 'kms' });

      expect(result.functionError).toBeDefined();
      expect(result.text).toMatch(/AccessDenied|KeyUnavailable/);
      expect(result.text).toContain('kms:Encrypt');
    } finally {
      await putEncryptionPolicy(originalPolicy);
    }
  });

  it('encrypts again once the statement is restored', async () => {
    const trip = await roundTrip(session.clients, 'keystage', 'prod');

    expect(trip.problem).toBeUndefined();
  });
});
