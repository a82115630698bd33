#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so a clone needs no compile step before `npx keystage`.
import { register } from 'tsx/esm/api';

// The SDK warns on every run under Node.js 20 about its future support policy. The CLI supports
// Node.js 20 (package.json engines), so the warning would only add noise to command output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
