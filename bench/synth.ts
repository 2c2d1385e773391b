// Cost of synthesis: the median time of one synthesizeCanary() call (the istio example: primary
// Deployment, HPA, three Services, two DestinationRules, a VirtualService; rendered to JSON, no YAML),
// and the wall time of 1,000 calls in a row. Prints two Markdown table rows (benchmark | figure |
// detail | samples), as bench/run.ts collects them. Goal: median under 1 ms.
//   node --import tsx bench/synth.ts [iterations]
import { performance } from 'node:perf_hooks';
import { readManifests } from '../src/io/manifests.js';
import { synthesizeCanary } from '../src/synth/canary-chart.js';
import { canaryInputsOf } from '../src/synth/manifest-inputs.js';

const iterations = Number(process.argv[2] ?? 1000);
const [{ input }] = canaryInputsOf(readManifests(['examples/istio']), { weights: { primary: 90, canary: 10 } });
const objects = synthesizeCanary(input).objects.length;

for (let i = 0; i < 200; i++) synthesizeCanary(input); // warm up the JIT
const times: number[] = [];
for (let i = 0; i < iterations; i++) {
  const start = performance.now();
  synthesizeCanary(input);
  times.push(performance.now() - start);
}
const batchStart = performance.now();
for (let i = 0; i < 1000; i++) synthesizeCanary(input);
const batchMs = performance.now() - batchStart;

times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
console.log(
  `| synth: one canary chart (istio example, ${objects} objects) | median ${at(0.5).toFixed(3)} ms | p90 ${at(0.9).toFixed(3)} ms | n=${iterations} |`,
);
console.log(`| synth: 1,000 canary charts in a row | ${batchMs.toFixed(0)} ms | ${(batchMs / 1000).toFixed(3)} ms per chart | n=1 |`);
