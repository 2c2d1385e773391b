// The statistical judge's error rates on the local cluster, with the real Prometheus and the
// traffic generator's honest noise (test/traffic/README.md): how often it fails a canary that
// behaves exactly like the primary (false positives, A/A), how often it catches a regression that
// every threshold passes (detection, A/B), and what the thresholds alone say on the same A/B checks.
// bench/judge-sim.ts is the same question on a seeded simulation, without a cluster.
//
// BENCH_CANARIES (default 40) linkerd Canaries per case, all rolled out at once. Every version:
// log-normal latencies (median 120 ms, sigma 0.3: p99 about 240 ms), 0.1 % random errors. The A/A
// canary is a new image with the same behaviour; the A/B canary is 40 % slower on every request
// (median 168 ms, p99 about 340 ms, under the 500 ms threshold) and fails 0.8 % of requests (99.2 %,
// over the 99 % threshold). Each Canary gives one judgement: its first analysis step routes
// WEIGHT % to the canary, and the checks run a full interval (50 s) later, over the last 45 s in
// 3 s steps (15 samples a side), so the whole window is at that weight. Both builtin metrics are
// judged at the default settings (98 %, no tolerance) beside their thresholds; threshold 1, so a
// failed judgement rolls the Canary back and a passed one promotes it.
//
// The weight: the generator sends SLUICE_SIM_RPS (20) through each TrafficSplit and
// SLUICE_SIM_DIRECT_RPS (5) straight to the canary, so at 40 % the canary serves 13 requests a
// second and the primary 12. Equal counts matter: a p99 of fewer requests is biased low.
import './support/state-dir.js';
import { loadavg } from 'node:os';
import type { CanaryStatus, MetricCheckStatus } from '../src/api/types.js';
import { benchCluster, createNamespaces, deleteNamespaces, waitForNoBenchNamespaces } from './support/cluster.js';
import { startBenchOperator, type BenchOperator } from './support/operator.js';
import { createApp, setImage, IMAGE } from './support/apps.js';
import { watchFrom } from './support/watch.js';
import { pool, row, say, goal, loadNote, percentile, sleep } from './support/stats.js';

const CANARIES = Number(process.env.BENCH_CANARIES ?? 40);
const run = `${process.pid % 100000}`;
const WEIGHT = 40;
const INTERVAL_S = 50;
const WINDOW_S = 45;
const STEP_S = 3;
const PRIMARY = { SLUICE_SIM_LATENCY_MS: '120', SLUICE_SIM_LATENCY_SIGMA: '0.3', SLUICE_SIM_ERRORS: 'random', SLUICE_SIM_ERROR_RATE: '0.001' };
const REGRESSION = { ...PRIMARY, SLUICE_SIM_LATENCY_MS: '168', SLUICE_SIM_ERROR_RATE: '0.008' };

interface Case {
  readonly key: 'aa' | 'ab';
  readonly ns: string;
  readonly env: Record<string, string>;
}
const CASES: Case[] = [
  { key: 'aa', ns: `bench-judge-${run}-aa`, env: PRIMARY },
  { key: 'ab', ns: `bench-judge-${run}-ab`, env: REGRESSION },
];
const names = Array.from({ length: CANARIES }, (_, i) => `app-${String(i).padStart(2, '0')}`);

const judged = (name: string, p: { min?: number; max?: number }) => ({
  name,
  thresholdRange: p,
  interval: `${WINDOW_S}s`,
  sluiceJudge: { step: `${STEP_S}s` },
});
const canarySpec = {
  provider: 'linkerd',
  analysis: {
    interval: `${INTERVAL_S}s`,
    threshold: 1,
    stepWeight: WEIGHT,
    maxWeight: WEIGHT,
    metrics: [judged('request-success-rate', { min: 99 }), judged('request-duration', { max: 500 })],
  },
};

interface CanaryObj {
  metadata: { namespace: string; name: string; resourceVersion?: string };
  status?: CanaryStatus;
}

/** One Canary's judgement: the checks of its first analysis step, and whether its window was all at WEIGHT. */
interface Judgement {
  readonly metrics: MetricCheckStatus[];
  readonly clean: boolean;
}

const decided = (m: MetricCheckStatus | undefined) => ['pass', 'high', 'low'].includes(m?.judge?.classification ?? '');
const judgeFails = (m: MetricCheckStatus | undefined) => m?.judge?.classification === 'high' || m?.judge?.classification === 'low';
const thresholdFails = (m: MetricCheckStatus | undefined) =>
  m?.value !== undefined && ((m.min !== undefined && m.value < m.min) || (m.max !== undefined && m.value > m.max));
const metric = (j: Judgement, name: string) => j.metrics.find((m) => m.name === name);
const percent = (k: number, n: number) => `${n ? ((100 * k) / n).toFixed(1) : 'n/a'}%`;

/** Follows every Canary's statuses: when it first routed to the canary, and its first decided checks. */
class Judgements {
  private readonly steppedAt = new Map<string, number>();
  readonly byCanary = new Map<string, Judgement>();
  readonly phases = new Map<string, string>();

  see(o: CanaryObj, at: number): void {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    const st = o.status ?? {};
    if (st.phase) this.phases.set(key, st.phase);
    if ((st.canaryWeight ?? 0) > 0 && !this.steppedAt.has(key)) this.steppedAt.set(key, at);
    const stepped = this.steppedAt.get(key);
    if (stepped === undefined || this.byCanary.has(key)) return;
    const metrics = st.metrics ?? [];
    if (!metrics.every(decided) || metrics.length < 2) return;
    const checkedAt = Math.min(...metrics.map((m) => Date.parse(m.checkedAt)));
    // checkedAt has whole seconds at worst; the window must start after the step's status arrived.
    this.byCanary.set(key, { metrics, clean: checkedAt - WINDOW_S * 1000 >= stepped - 1000 });
  }

  of(c: Case): Judgement[] {
    return names.map((n) => this.byCanary.get(`${c.ns}/${n}`)).filter((j): j is Judgement => j !== undefined);
  }

  ended(c: Case): number {
    return names.filter((n) => ['Succeeded', 'Failed'].includes(this.phases.get(`${c.ns}/${n}`) ?? '')).length;
  }
}

function report(aa: Judgement[], ab: Judgement[], startLoad: number): void {
  const fp = aa.filter((j) => j.metrics.some(judgeFails)).length;
  const detected = ab.filter((j) => j.metrics.some(judgeFails)).length;
  const byThresholds = ab.filter((j) => j.metrics.some(thresholdFails)).length;
  const fpThresholds = aa.filter((j) => j.metrics.some(thresholdFails)).length;
  const by = (js: Judgement[], name: string) => percent(js.filter((j) => judgeFails(metric(j, name))).length, js.length);
  const samples = percentile(
    [...aa, ...ab].map((j) => metric(j, 'request-duration')?.judge?.canarySamples ?? 0),
    50,
  );
  const unclean = [...aa, ...ab].filter((j) => !j.clean).length;
  const setting =
    `cluster, linkerd, ${CANARIES}+${CANARIES} Canaries at once, weight ${WEIGHT}%, ${WINDOW_S}s in ${STEP_S}s steps ` +
    `(median ${samples} canary samples), 98% confidence, both builtin metrics judged` +
    (unclean ? `, ${unclean} windows not all at the weight` : '');
  console.error(`false positive rate: ${percent(fp, aa.length)} (n=${aa.length})`);
  console.error(`detection rate: ${percent(detected, ab.length)} (n=${ab.length})`);
  console.error(`thresholds-only detection rate: ${percent(byThresholds, ab.length)} (n=${ab.length})`);
  row(
    'judge A/A false positive rate, local cluster',
    percent(fp, aa.length),
    `${goal(fp / aa.length <= 0.05)} (<= 5%); p99: ${by(aa, 'request-duration')}, success rate: ${by(aa, 'request-success-rate')}; ` +
      `thresholds alone: ${percent(fpThresholds, aa.length)}; ${setting}; ${loadNote(startLoad)}`,
    `n=${aa.length}`,
  );
  row(
    'judge A/B detection rate, local cluster',
    percent(detected, ab.length),
    `${goal(detected / ab.length >= 0.9)} (>= 90%); p99 +40%: ${by(ab, 'request-duration')}, errors 0.1%->0.8%: ${by(ab, 'request-success-rate')}; ${loadNote(startLoad)}`,
    `n=${ab.length}`,
  );
  row(
    'thresholds-only A/B detection rate, local cluster (same checks)',
    percent(byThresholds, ab.length),
    `p99 <= 500ms, success >= 99% over the same ${WINDOW_S}s windows; ${loadNote(startLoad)}`,
    `n=${ab.length}`,
  );
}

async function main(): Promise<void> {
  const cluster = await benchCluster();
  const { client } = cluster;
  await waitForNoBenchNamespaces(client, 180_000);
  const namespaces = CASES.map((c) => c.ns);
  const seen = new Judgements();
  let operator: BenchOperator | undefined;
  let stopWatch: (() => void) | undefined;
  try {
    await createNamespaces(client, namespaces);
    operator = await startBenchOperator(cluster);
    stopWatch = (
      await watchFrom<CanaryObj>(client, client.kubeConfig, '/apis/flagger.app/v1beta1/canaries', ({ object, at }) => {
        if (namespaces.includes(object.metadata.namespace)) seen.see(object, at);
      })
    ).stop;
    const all = CASES.flatMap((c) => names.map((name) => ({ c, name })));
    await pool(all, 8, ({ c, name }) => createApp(client, c.ns, name, canarySpec, `${IMAGE}:6.0.0`, PRIMARY));
    say(`judge: ${all.length} apps created; waiting for their Canaries to be Initialized`);
    const initialized = () => all.filter(({ c, name }) => seen.phases.get(`${c.ns}/${name}`) === 'Initialized').length;
    for (let deadline = Date.now() + 300_000; initialized() < all.length; await sleep(2000))
      if (Date.now() > deadline) throw new Error(`only ${initialized()} of ${all.length} Canaries Initialized in 300 s`);
    const startLoad = loadavg()[0];
    await pool(all, 8, ({ c, name }) => setImage(client, c.ns, name, `${IMAGE}:6.0.1`, c.env));
    say(`judge: ${all.length} rollouts started; each is judged ${INTERVAL_S} s after its first step`);
    const done = () => CASES.every((c) => seen.of(c).length >= CANARIES || seen.ended(c) >= CANARIES);
    for (let deadline = Date.now() + 600_000; !done(); await sleep(5000)) {
      if (Date.now() > deadline) {
        say('judge: not every Canary judged in 600 s; reporting those that were');
        break;
      }
      say(`judge: judged A/A ${seen.of(CASES[0]).length}/${CANARIES}, A/B ${seen.of(CASES[1]).length}/${CANARIES}`);
    }
    report(seen.of(CASES[0]), seen.of(CASES[1]), startLoad);
  } finally {
    stopWatch?.();
    await operator?.stop();
    await deleteNamespaces(client, namespaces);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
