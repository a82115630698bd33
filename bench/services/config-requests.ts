/**
 * S3 config requests per 1,000 warm encryptions spread over one max-age window (60 s on a manual
 * clock): the config cache against fetching on every call (a cache with `maxAgeSeconds: 0`,
 * which revalidates every request).
 */
import { benchHandlers, operationCounter } from './environment.js';
import type { BenchCloud, ReportRow } from './environment.js';

const ENCRYPTIONS = 1000;
const MAX_AGE_SECONDS = 60;

export async function measureConfigRequests(cloud: BenchCloud): Promise<ReportRow[]> {
  const cached = await requestsPerThousand(cloud, { keyId: 'alias/keystage-dev', cache: { maxAgeSeconds: MAX_AGE_SECONDS } });
  const uncached = await requestsPerThousand(cloud, { keyId: 'alias/keystage-dev', cache: { maxAgeSeconds: 0 } });

  return [
    {
      figure: 'S3 GetObject per 1,000 warm encryptions over one 60 s max-age window',
      measured: String(cached),
      reference: `${uncached} (fetch on every call)`,
      ratio: (cached / uncached).toFixed(4),
      target: '1 per window',
      met: cached <= 1,
    },
  ];
}

/** GetObject calls made by 1,000 encryptions after a cold one, spaced evenly over one window. */
async function requestsPerThousand(cloud: BenchCloud, config: unknown): Promise<number> {
  await cloud.putConfig(config);
  let nowMs = Date.now();
  const s3Calls = operationCounter();
  const handlers = benchHandlers(cloud, { onS3Operation: s3Calls.listener, now: () => nowMs });
  await handlers.encrypt({ data: 'cold start' });
  s3Calls.reset();

  const stepMs = (MAX_AGE_SECONDS * 1000) / ENCRYPTIONS;
  for (let index = 0; index < ENCRYPTIONS; index += 1) {
    nowMs += stepMs;
    await handlers.encrypt({ data: `message ${index}` });
  }

  await cloud.putConfig({ keyId: 'alias/keystage-dev' });
  return s3Calls.count('GetObject');
}
