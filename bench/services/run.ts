/**
 * Benchmarks of the encryption and decryption services. Prints one Markdown table with each
 * measured figure beside its reference and target.
 *
 *   npx tsx bench/services/run.ts
 */
import { cpus } from 'node:os';

import { measureBundles } from './bundles.js';
import { measureConfigRequests } from './config-requests.js';
import { printReport, startBenchCloud } from './environment.js';
import type { ReportRow } from './environment.js';
import { measureHandlerLatency } from './handler-latency.js';
import { measureKmsCalls } from './kms-calls.js';
import { measureThroughput } from './throughput.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const cloud = await startBenchCloud();
const rows: ReportRow[] = [];
try {
  rows.push(...(await measureConfigRequests(cloud)));
  rows.push(...(await measureKmsCalls(cloud)));
  rows.push(...(await measureThroughput(cloud)));
  rows.push(...(await measureHandlerLatency(cloud)));
} finally {
  await cloud.close();
}
rows.push(...(await measureBundles()));

console.log(`\nNode.js ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}\n`);
printReport(rows);
