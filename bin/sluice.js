#!/usr/bin/env node
// Runs the compiled CLI (lib/, built by `npm install`), or the TypeScript sources through tsx
// in a checkout where lib/ has not been built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
process.env.SLUICE_CLI_ENTRY = '1';
if (existsSync(compiled)) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
