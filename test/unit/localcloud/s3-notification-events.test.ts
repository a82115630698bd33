import { describe, expect, it } from 'vitest';

import { buildEventRecord, compareSequencers, formatSequencer } from '../../../src/localcloud/s3/notification-events.js';
import type { ObjectChange } from '../../../src/localcloud/s3/notification-events.js';
import { eventTypeMatches, keyMatchesFilter } from '../../../src/localcloud/s3/notifications.js';

const CHANGE: ObjectChange = {
  bucket: { name: 'artifacts', region: 'eu-west-1', createdMs: 0, versioning: 'Enabled' },
  eventName: 'ObjectCreated:Put',
  key: 'dev/my function.zip',
  sizeBytes: 42,
  etag: '"0123456789abcdef0123456789abcdef"',
  versionId: 'v1',
  sequencer: formatSequencer(5),
  eventTimeMs: Date.UTC(2024, 0, 1),
  requester: { accessKeyId: 'AKIDEXAMPLE', sourceIp: '127.0.0.1', requestId: 'req-1', region: 'eu-west-1' },
};

describe('formatSequencer', () => {
  it('writes fixed-width upper-case hex', () => {
    expect(formatSequencer(255)).toBe('0000000000000000FF');
  });

  it('grows with the counter in string order', () => {
    expect(formatSequencer(16) > formatSequencer(15)).toBe(true);
  });
});

describe('compareSequencers', () => {
  it('orders by hexadecimal value', () => {
    expect(compareSequencers('0A', '0B')).toBeLessThan(0);
    expect(compareSequencers('0B', '0A')).toBeGreaterThan(0);
    expect(compareSequencers('0A', '0a')).toBe(0);
  });

  it('pads the shorter value before comparing', () => {
    expect(compareSequencers('FF', '0100')).toBeLessThan(0);
  });
});

describe('buildEventRecord', () => {
  const record = buildEventRecord(CHANGE, 'deploy-on-zip', 'owner-id', 'host-id');

  it('writes the version 2.1 envelope', () => {
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2024-01-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AKIDEXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'req-1', 'x-amz-id-2': 'host-id' },
    });
  });

  it('describes the bucket and configuration', () => {
    expect(record.s3).toMatchObject({
      s3SchemaVersion: '1.0',
      configurationId: 'deploy-on-zip',
      bucket: { name: 'artifacts', ownerIdentity: { principalId: 'owner-id' }, arn: 'arn:aws:s3:::artifacts' },
    });
  });

  it('form-encodes the key and strips the ETag quotes', () => {
    expect(record.s3.object).toEqual({
      key: 'dev/my+function.zip',
      size: 42,
      eTag: '0123456789abcdef0123456789abcdef',
      versionId: 'v1',
      sequencer: '000000000000000005',
    });
  });

  it('leaves size and eTag out of removal events', () => {
    const removal = buildEventRecord({ ...CHANGE, eventName: 'ObjectRemoved:Delete', sizeBytes: undefined, etag: undefined }, 'id', 'owner', 'host');

    expect(removal.s3.object).toEqual({ key: 'dev/my+function.zip', versionId: 'v1', sequencer: '000000000000000005' });
  });

  it('leaves versionId out when the change has none', () => {
    const unversioned = buildEventRecord({ ...CHANGE, versionId: undefined }, 'id', 'owner', 'host');

    expect(unversioned.s3.object).not.toHaveProperty('versionId');
  });
});

describe('eventTypeMatches', () => {
  it('matches a wildcard of the same family', () => {
    expect(eventTypeMatches('s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
  });

  it('matches an exact type', () => {
    expect(eventTypeMatches('s3:ObjectCreated:Put', 'ObjectCreated:Put')).toBe(true);
  });

  it('does not match another type or family', () => {
    expect(eventTypeMatches('s3:ObjectCreated:Put', 'ObjectCreated:Copy')).toBe(false);
    expect(eventTypeMatches('s3:ObjectRemoved:*', 'ObjectCreated:Put')).toBe(false);
  });
});

describe('keyMatchesFilter', () => {
  it('applies prefix and suffix together', () => {
    const rules = [
      { name: 'Prefix' as const, value: 'dev/' },
      { name: 'Suffix' as const, value: '.zip' },
    ];

    expect(keyMatchesFilter(rules, 'dev/a.zip')).toBe(true);
    expect(keyMatchesFilter(rules, 'prod/a.zip')).toBe(false);
    expect(keyMatchesFilter(rules, 'dev/a.json')).toBe(false);
  });

  it('matches every key without rules', () => {
    expect(keyMatchesFilter([], 'anything')).toBe(true);
  });
});
