// `npm run manifests`: writes the install manifests (src/install/render.ts) to manifests/ and the
// Helm chart (src/install/helm-chart.ts) to charts/sluice/, or to the folders given. The chart
// folder is wholly generated: files in it that the code no longer renders are removed.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { renderInstallManifests } from './render.js';
import { renderHelmChart } from './helm-chart.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function write(out: string, files: Record<string, string>, removeOthers: boolean): void {
  if (removeOthers) {
    mkdirSync(out, { recursive: true });
    for (const path of filesUnder(out)) {
      if (!(relative(out, path) in files)) {
        rmSync(path);
        console.log(`removed ${path}`);
      }
    }
  }
  for (const [file, content] of Object.entries(files)) {
    const path = join(out, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    console.log(`wrote ${path}`);
  }
}

write(resolve(process.argv[2] ?? 'manifests'), renderInstallManifests(), false);
write(resolve(process.argv[3] ?? 'charts/sluice'), renderHelmChart(), true);
