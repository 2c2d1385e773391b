#!/usr/bin/env node
// In a checkout, runs the TypeScript sources through tsx (never a stale build); in an installed
// package without src/, runs the compiled lib/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
process.env.SLUICE_CLI_ENTRY = '1';
if (existsSync(fileURLToPath(source))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../lib/cli/main.js', import.meta.url).href);
}
