// `npm run manifests`: writes the install manifests (src/install/render.ts) to manifests/ or the
// folder given, and removes generated files that no longer exist.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { renderInstallManifests } from './render.js';

const out = resolve(process.argv[2] ?? 'manifests');
for (const [file, content] of Object.entries(renderInstallManifests())) {
  const path = join(out, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  console.log(`wrote ${path}`);
}
