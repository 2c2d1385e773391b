#!/usr/bin/env node
// Runs the compiled lib/ (built by `npm install` / `npm run build`) when it is at least as new as
// every file in src/; otherwise (an edited checkout) the TypeScript sources through tsx, so a
// stale build never runs. An installed package without src/ always runs lib/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'lib', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

process.env.SLUICE_CLI_ENTRY = '1';
// Before anything imports client-node: keeps its generated API models out (see the hook).
register('./client-node-slim.mjs', import.meta.url);
const useSource = existsSync(source) && (!existsSync(compiled) || statSync(compiled).mtimeMs < newestMtime(join(root, 'src')));
if (useSource) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(compiled).href);
}
