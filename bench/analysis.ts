// Median time of one metric check (runMetricChecks for a Canary with one builtin
// request-success-rate metric: render, HTTP query, verdict) against a local Prometheus that the
// bench starts itself with the integration-test helper. Prints one Markdown table line.
//   node --import tsx bench/analysis.ts [iterations]
import { performance } from 'node:perf_hooks';
import { resolveCanary } from '../src/api/defaults.js';
import type { Canary } from '../src/api/types.js';
import { prometheusClients, runMetricChecks } from '../src/analysis/run-checks.js';
import { startExporter } from '../test/integration/support/exporter.js';
import { startPrometheus, waitForData } from '../test/integration/support/prometheus.js';

const iterations = Number(process.argv[2] ?? 200);

const exporter = await startExporter();
exporter.histogram(
  'http_request_duration_seconds',
  { kubernetes_namespace: 'test', kubernetes_pod_name: 'podinfo-6b7c9d8f4-x7k2p', status: '200' },
  [0.1, 0.5, 1],
  10,
  0.05,
);
const prometheus = await startPrometheus({ scrapeTargets: [exporter.target] });
try {
  await waitForData(prometheus.url, 'rate(http_request_duration_seconds_count[30s]) > 0');
  const canary: Canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'kubernetes',
      metricsServer: prometheus.url,
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '30s', iterations: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }] },
    },
  };
  const resolved = resolveCanary(canary);
  const deps = {
    prometheusFor: prometheusClients(),
    getTemplate: async () => {
      throw new Error('no templates in this bench');
    },
    getSecret: async () => {
      throw new Error('no secrets in this bench');
    },
  };
  const once = async () => {
    const [verdict] = await runMetricChecks(resolved, deps);
    if (verdict.result !== 'pass') throw new Error(`bench check did not pass: ${verdict.message}`);
  };
  for (let i = 0; i < 10; i++) await once(); // warm up the JIT and Prometheus's query path
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(
    `| analysis: one request-success-rate check against a local Prometheus | median ${at(0.5).toFixed(2)} ms | p90 ${at(0.9).toFixed(2)} ms | n=${iterations} |`,
  );
} finally {
  await prometheus.stop();
  await exporter.close();
}
