import { describe, expect, it } from 'vitest';

import { logStreamName, reportLine, tail, timedOutMessage } from '../../../src/localcloud/runtime/log-lines.js';

describe('logStreamName', () => {
  it('uses the date, the version in brackets and 32 hex digits', () => {
    expect(logStreamName('$LATEST', new Date('2024-05-01T12:00:00Z'))).toMatch(/^2024\/05\/01\/\[\$LATEST\][0-9a-f]{32}$/);
  });
});

describe('reportLine', () => {
  it('writes the figures tab-separated with a trailing tab', () => {
    const line = reportLine('id', { durationMs: 12.345, memorySizeMb: 128, maxMemoryUsedMb: 60, initDurationMs: 150 });
    expect(line).toBe('REPORT RequestId: id\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 150.00 ms\t\n');
  });

  it('adds the status of a timed-out invocation', () => {
    expect(reportLine('id', { durationMs: 3000, memorySizeMb: 128, maxMemoryUsedMb: 0, status: 'timeout' })).toContain('\tStatus: timeout\t');
  });
});

describe('timedOutMessage', () => {
  it('states the timeout in seconds with two decimals', () => {
    expect(timedOutMessage(3000)).toBe('Task timed out after 3.00 seconds');
  });
});

describe('tail', () => {
  it('returns short text unchanged', () => {
    expect(tail('short', 4096)).toBe('short');
  });

  it('keeps the last bytes of long text', () => {
    expect(tail('a'.repeat(10) + 'end', 5)).toBe('aaend');
  });

  it('never cuts a multi-byte character in half', () => {
    const result = tail('ééé', 3);
    expect(result).toBe('é');
    expect(Buffer.byteLength(result)).toBeLessThanOrEqual(3);
  });
});
