// The cdk8s app (`cdk8s synth`, see cdk8s.yaml): for every Canary under examples/ (or $SLUICE_INPUT),
// writes what Sluice would create at weight 0 to $CDK8S_OUTDIR (dist/), one file per Canary:
// `<folder>/<name>.<namespace>.k8s.yaml`, the same YAML `sluice synth` prints. Canaries without
// spec.provider get $SLUICE_PROVIDER, else istio (Flagger's default).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readManifests, toYamlStream } from '../io/manifests.js';
import { synthesizeCanary } from './canary-chart.js';
import { canaryInputsOf } from './manifest-inputs.js';

export function synthToFolder(inputFolder: string, outdir: string, provider?: string): string[] {
  const inputs = canaryInputsOf(readManifests([inputFolder]), { provider, weights: { primary: 100, canary: 0 } });
  // The output mirrors the input: a Canary removed from the examples must not leave its file behind.
  removeManifests(outdir);
  return inputs.map(({ folder, input }) => {
    const dir = join(outdir, relative(inputFolder, folder));
    const file = join(dir, `${input.resolved.name}.${input.resolved.namespace}.k8s.yaml`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, toYamlStream(synthesizeCanary(input).objects));
    return file;
  });
}

function removeManifests(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeManifests(path);
    else if (entry.name.endsWith('.k8s.yaml')) rmSync(path);
  }
}

const isEntryPoint = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntryPoint) {
  const input = process.env.SLUICE_INPUT ?? 'examples';
  const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
  try {
    for (const file of synthToFolder(input, outdir, process.env.SLUICE_PROVIDER)) console.log(`wrote ${file}`);
  } catch (err) {
    console.error(`sluice synth: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
