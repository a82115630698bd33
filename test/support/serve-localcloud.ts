// Starts a local cloud in its own process, for tests that must kill it: prints the URL on
// stdout once it listens. Usage: node --import tsx test/support/serve-localcloud.ts DATA_DIR [PORT]
import { startLocalCloud } from '../../src/localcloud/index.js';

const [dataDir, port] = process.argv.slice(2);
if (!dataDir) {
  console.error('usage: serve-localcloud.ts DATA_DIR [PORT]');
  process.exit(2);
}

const cloud = await startLocalCloud({ dataDir, port: Number(port ?? 0), logLevel: 'error' });
process.stdout.write(`${cloud.url}\n`);
process.on('SIGTERM', () => {
  void cloud.close().then(() => process.exit(0));
});
