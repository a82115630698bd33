import { join } from 'node:path';

import { buildServices } from '../src/cli/build.js';

/** Builds every service zip into dist/ once, for the tests that deploy or run them. */
export default async function setup(): Promise<void> {
  await buildServices({ outDir: join(import.meta.dirname, '..', 'dist') });
}
