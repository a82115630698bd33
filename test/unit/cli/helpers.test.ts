import { describe, expect, it } from 'vitest';

import { LOCAL_CREDENTIALS, resolveConnection } from '../../../src/cli/clients.js';
import { parsePort } from '../../../src/cli/commands/up.js';
import { parseSince } from '../../../src/cli/commands/logs.js';
import { applyAssignments } from '../../../src/cli/config/assignments.js';
import { UsageError } from '../../../src/cli/errors.js';
import { parseStageList } from '../../../src/cli/names.js';
import { renderTable } from '../../../src/cli/output.js';
import { encodeMetadataValue } from '../../../src/cli/release/upload.js';
import { describeMove } from '../../../src/cli/commands/release-commands.js';
import { describeSteps } from '../../../src/cli/release/watch.js';
import { formatTarget, renderStatus } from '../../../src/cli/status.js';
import type { AliasStatus } from '../../../src/cli/status.js';

describe('resolveConnection', () => {
  it('takes the endpoint from AWS_ENDPOINT_URL', () => {
    expect(resolveConnection({}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).endpoint).toBe('http://127.0.0.1:4566');
  });

  it('prefers --endpoint over the environment', () => {
    expect(resolveConnection({ endpoint: 'http://127.0.0.1:5000' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).endpoint).toBe('http://127.0.0.1:5000');
  });

  it('targets AWS without an endpoint', () => {
    const settings = resolveConnection({}, {});

    expect(settings.endpoint).toBeUndefined();
    expect(settings.credentials).toBeUndefined();
  });

  it('signs with dummy credentials for a loopback endpoint', () => {
    expect(resolveConnection({ endpoint: 'http://localhost:4566' }, {}).credentials).toEqual(LOCAL_CREDENTIALS);
  });

  it('passes environment credentials explicitly', () => {
    const settings = resolveConnection({}, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });

    expect(settings.credentials).toEqual({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('leaves credentials to the SDK with --profile', () => {
    const settings = resolveConnection({ profile: 'work', endpoint: 'http://127.0.0.1:4566' }, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });

    expect(settings.credentials).toBeUndefined();
    expect(settings.profile).toBe('work');
  });

  it('leaves the region to the profile when none is given', () => {
    expect(resolveConnection({ profile: 'work' }, {}).region).toBeUndefined();
  });

  it('defaults the region to us-east-1 without a profile', () => {
    expect(resolveConnection({}, {}).region).toBe('us-east-1');
  });

  it('reads the region from AWS_REGION', () => {
    expect(resolveConnection({}, { AWS_REGION: 'eu-west-1' }).region).toBe('eu-west-1');
  });

  it('rejects an invalid region', () => {
    expect(() => resolveConnection({ region: 'europe' }, {})).toThrow(/Invalid region "europe"/);
  });
});

describe('parseSince', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');

  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('reads %s as a duration', (value, backMs) => {
    expect(parseSince(value, now)).toBe(now - backMs);
  });

  it('reads an ISO 8601 time', () => {
    expect(parseSince('2026-01-01T11:00:00Z', now)).toBe(Date.parse('2026-01-01T11:00:00Z'));
  });

  it('rejects anything else', () => {
    expect(() => parseSince('10 minutes', now)).toThrow(UsageError);
  });
});

describe('applyAssignments', () => {
  it('sets nested fields and reads JSON values', () => {
    const result = applyAssignments({ keyId: 'alias/a' }, ['cache.maxAgeSeconds=2', 'signing=true', 'allowedContextKeys=["tenant"]']);

    expect(result).toEqual({ keyId: 'alias/a', cache: { maxAgeSeconds: 2 }, signing: true, allowedContextKeys: ['tenant'] });
  });

  it('keeps text that is not JSON as a string', () => {
    expect(applyAssignments({}, ['keyId=alias/keystage-dev'])).toEqual({ keyId: 'alias/keystage-dev' });
  });

  it('replaces the older key field when keyId is set', () => {
    expect(applyAssignments({ key: 'alias/old' }, ['keyId=alias/new'])).toEqual({ keyId: 'alias/new' });
  });

  it('leaves the input document unchanged', () => {
    const document = { cache: { maxAgeSeconds: 60 } };
    applyAssignments(document, ['cache.maxAgeSeconds=2']);

    expect(document.cache.maxAgeSeconds).toBe(60);
  });

  it('rejects an assignment without a key', () => {
    expect(() => applyAssignments({}, ['=1'])).toThrow(/Invalid assignment "=1"/);
  });
});

describe('encodeMetadataValue', () => {
  it('keeps printable ASCII as is', () => {
    expect(encodeMetadataValue('fix padding (#12)')).toBe('fix padding (#12)');
  });

  it('encodes other text as an RFC 2047 word', () => {
    expect(encodeMetadataValue('Überarbeitung')).toBe(`=?UTF-8?B?${Buffer.from('Überarbeitung').toString('base64')}?=`);
  });
});

describe('describeSteps', () => {
  const steps = ['acquire-lease', 'update-code', 'set-release-marker', 'publish-version', 'verify-version', 'shift-10', 'bake-10', 'finalize-alias', 'verify-alias'].map((name) => ({
    name,
    durationMs: 1,
  }));

  it('phrases a canary release in order', () => {
    expect(describeSteps(steps, '4')).toEqual([
      'code updated',
      'published version 4',
      'version 4 verified',
      '10 % of traffic on version 4',
      '10 % baked without errors',
      '100 % of traffic on version 4',
      'verified through the alias',
    ]);
  });

  it('names the failed check of a failed release', () => {
    const failedSteps = [...steps.slice(0, 5), { name: 'restore-alias', durationMs: 1 }];

    expect(describeSteps(failedSteps, '4', true)).toContain('verification of version 4 failed');
  });

  it('names a rejected code update', () => {
    const failedSteps = steps.slice(0, 2);

    expect(describeSteps(failedSteps, null, true)).toEqual(['code update failed']);
  });
});

describe('formatTarget', () => {
  const row: AliasStatus = { stage: 'dev', service: 'encryption', functionName: 'keystage-encryption', version: '3', routing: {}, routingDescriptions: {} };

  it('shows a plain alias', () => {
    expect(formatTarget(row)).toBe('dev → 3');
  });

  it('shows canary weights', () => {
    expect(formatTarget({ ...row, routing: { '4': 0.1 } })).toBe('dev → 3 (90 %), 4 (10 %)');
  });

  it('marks a missing alias', () => {
    expect(formatTarget({ ...row, version: undefined })).toBe('dev → (missing)');
  });
});

describe('renderStatus', () => {
  const row: AliasStatus = { stage: 'dev', service: 'encryption', functionName: 'keystage-encryption', version: '3', routing: {}, routingDescriptions: {}, description: 'fix' };

  it('shows a release before its version is known', () => {
    const table = renderStatus([{ ...row, release: { phase: 'updating-code', publishedVersion: null, weight: 0 } }]);

    expect(table).toContain('fix | releasing: updating-code');
  });

  it('shows the version of a release in progress', () => {
    const table = renderStatus([{ ...row, release: { phase: 'baking', publishedVersion: '4', weight: 0.1 } }]);

    expect(table).toContain('fix | releasing version 4: baking');
  });
});

describe('renderTable', () => {
  it('pads columns to the widest cell', () => {
    expect(renderTable(['A', 'B'], [['long value', 'x']])).toBe('A           B\n----------  -\nlong value  x\n');
  });
});

describe('option parsers', () => {
  it('rejects a port above 65535', () => {
    expect(() => parsePort('70000')).toThrow(/Invalid port "70000"/);
  });

  it('removes duplicate stages', () => {
    expect(parseStageList('dev, prod,dev')).toEqual(['dev', 'prod']);
  });

  it('rejects an empty stage list', () => {
    expect(() => parseStageList(' , ')).toThrow(/Invalid stage list/);
  });
});

describe('describeMove', () => {
  it('shows the versions of a move', () => {
    expect(describeMove({ previousVersion: '2', publishedVersion: '5' })).toBe(' (version 2 → 5)');
  });

  it('says when the stage already runs the version', () => {
    expect(describeMove({ previousVersion: '2', publishedVersion: '2' })).toBe(' (already on version 2)');
  });
});
