#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so a clone needs no compile step before `npx keystage`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
