// Rollout overhead: the wall time of a whole rollout (t0 = the image PATCH's response, t1 = a
// watch in this process delivers the Canary with phase Succeeded) minus the time the state
// machine must wait by design: stepWeight 10 up to maxWeight 50 is 5 weight steps, then copy to
// the primary, route all traffic to it, finalise = 8 analysis intervals after detection.
// The Canary's status.lastAnalysisTime (ms) at each step splits the overhead into detection,
// lateness of the steps, and the rest.
//   BENCH_SAMPLES (default 3) rollouts per variant; variants run one after another.
import './support/state-dir.js';
import { loadavg } from 'node:os';
import { benchCluster, createNamespaces, deleteNamespaces, waitForNoBenchNamespaces } from './support/cluster.js';
import { startBenchOperator, type BenchOperator } from './support/operator.js';
import { createApp, setImage, IMAGE } from './support/apps.js';
import { watchFrom } from './support/watch.js';
import { FAST } from '../test/e2e/support/rollout.js';
import { percentile, ms, row, say, mean, loadNote } from './support/stats.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3);
const run = `${process.pid % 100000}`;
const APP = 'podinfo';
const STEPS = 8; // 5 weight steps (10..50), copy to primary, route to primary, finalise

interface Variant { key: string; label: string; intervalS: number; metrics: boolean }
const VARIANTS: Variant[] = [
  { key: 'i1', label: '1 s interval, no metric checks', intervalS: 1, metrics: false },
  { key: 'i1m', label: '1 s interval, request-success-rate check', intervalS: 1, metrics: true },
  { key: 'i2m', label: '2 s interval, request-success-rate check', intervalS: 2, metrics: true },
];
const nsOf = (v: Variant) => `bench-rollout-${run}-${v.key}`;

interface CanaryObj { metadata: { namespace: string; resourceVersion?: string }; status?: { phase?: string; lastAnalysisTime?: string; failedChecks?: number; lastAppliedSpec?: string; lastPromotedSpec?: string } }
type Status = NonNullable<CanaryObj['status']>;

async function main(): Promise<void> {
  const cluster = await benchCluster();
  const { client } = cluster;
  await waitForNoBenchNamespaces(client, 180_000);
  const namespaces = VARIANTS.map(nsOf);
  let operator: BenchOperator | undefined;
  let stopWatch: (() => void) | undefined;
  try {
    await createNamespaces(client, namespaces);
    operator = await startBenchOperator(cluster);
    // Every status the watch delivers, with its arrival time, per namespace.
    const history = new Map<string, { at: number; status: Status }[]>();
    let notify: (() => void) | undefined;
    stopWatch = (await watchFrom<CanaryObj>(client, client.kubeConfig, '/apis/flagger.app/v1beta1/canaries', ({ object, at }) => {
      const ns = object.metadata.namespace;
      if (!namespaces.includes(ns)) return;
      history.set(ns, [...(history.get(ns) ?? []), { at, status: object.status ?? {} }]);
      notify?.();
    })).stop;
    const waitFor = (pred: () => boolean, timeoutMs: number) => new Promise<boolean>((resolve) => {
      if (pred()) return resolve(true);
      const timer = setTimeout(() => { notify = undefined; resolve(false); }, timeoutMs);
      notify = () => { if (pred()) { clearTimeout(timer); notify = undefined; resolve(true); } };
    });
    const last = (ns: string) => history.get(ns)?.at(-1)?.status;

    for (const v of VARIANTS) {
      const ns = nsOf(v);
      const metrics = v.metrics ? [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }] : [];
      await createApp(client, ns, APP, { provider: 'istio', analysis: { interval: `${v.intervalS}s`, threshold: 5, stepWeight: 10, maxWeight: 50, metrics } });
      if (!(await waitFor(() => last(ns)?.phase === 'Initialized', 180_000))) throw new Error(`${ns}/${APP} not Initialized in 180 s`);
      const overheads: number[] = [];
      const parts: { detect: number; late: number; failedChecks: number }[] = [];
      const startLoad = loadavg()[0];
      let failed = 0;
      for (let k = 1; k <= SAMPLES; k++) {
        const from = history.get(ns)?.length ?? 0;
        const t0 = await setImage(client, ns, APP, `${IMAGE}:6.2.${k}`);
        const budget = 60_000 + STEPS * v.intervalS * 4000;
        const done = await waitFor(() => (history.get(ns) ?? []).slice(from).some((h) => h.status.phase === 'Succeeded' || h.status.phase === 'Failed'), budget);
        const seen = (history.get(ns) ?? []).slice(from);
        const end = seen.find((h) => h.status.phase === 'Succeeded' || h.status.phase === 'Failed');
        if (!done || !end) throw new Error(`rollout ${k} in ${ns} did not end within ${budget / 1000} s (last status ${JSON.stringify(last(ns))})`);
        if (end.status.phase === 'Failed') { failed++; say(`rollout: ${ns} rollout ${k} Failed`); continue; }
        const wall = end.at - t0;
        overheads.push(wall - STEPS * v.intervalS * 1000);
        // Step times as the controller stamped them: detection is the first, each later one is due an interval after the previous.
        const stamps = [...new Set(seen.map((h) => h.status.lastAnalysisTime).filter((s): s is string => Boolean(s)))].map(Date.parse);
        const late = stamps.slice(1).map((s, i) => s - stamps[i] - v.intervalS * 1000).reduce((a, b) => a + Math.max(0, b), 0);
        parts.push({ detect: (stamps[0] ?? NaN) - t0, late, failedChecks: Math.max(0, ...seen.map((h) => h.status.failedChecks ?? 0)) });
        say(`rollout: ${v.label}: #${k} wall ${ms(wall)}, overhead ${ms(wall - STEPS * v.intervalS * 1000)} (${stamps.length} step stamps)`);
      }
      const detail = [
        `ideal ${STEPS} x ${v.intervalS} s = ${STEPS * v.intervalS} s`,
        `mean parts: detection ${ms(mean(parts.map((p) => p.detect)))}, step lateness ${ms(mean(parts.map((p) => p.late)))} in total, failed checks ${mean(parts.map((p) => p.failedChecks)).toFixed(1)} (each costs an interval)`,
        failed ? `${failed} rollouts FAILED` : 'all Succeeded',
        loadNote(startLoad),
      ].join('; ');
      row(`rollout overhead: stepWeight 10 to 50, ${v.label}`,
        `median ${ms(percentile(overheads, 50))}, max ${ms(Math.max(...overheads))}`, detail, `n=${overheads.length}`);
    }
  } finally {
    stopWatch?.();
    await operator?.stop();
    await deleteNamespaces(client, namespaces);
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
