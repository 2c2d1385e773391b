#!/usr/bin/env node
// Runs, in order of preference, whichever is at least as new as every file in src/:
//   lib/bundle/main.js, the compiled CLI bundled with client-node (build/bundle-operator.mjs);
//   lib/cli/main.js, compiled by tsc, with the resolve hook below;
//   the TypeScript sources through tsx, with the hook (an edited checkout: a stale build never runs).
// An installed package without src/ runs the bundle, or lib/ when it was built without one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'lib', 'bundle', 'main.js');
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
const sourcesNewest = existsSync(source) ? newestMtime(join(root, 'src')) : 0;
const current = (file) => existsSync(file) && statSync(file).mtimeMs >= sourcesNewest;
if (current(bundle)) {
  // The bundle made the hook's replacements at build time: no hook, so no hook thread.
  await import(pathToFileURL(bundle).href);
} else {
  // Before anything imports client-node: keeps its generated API models out (see the hook).
  register('./client-node-slim.mjs', import.meta.url);
  if (current(compiled)) {
    await import(pathToFileURL(compiled).href);
  } else {
    const { register: registerTsx } = await import('tsx/esm/api');
    registerTsx();
    await import(pathToFileURL(source).href);
  }
}
