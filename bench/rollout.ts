// Rollout pacing (issue #18): the wall time of a whole rollout (t0 = the image PATCH's response,
// t1 = a watch in this process delivers the Canary with phase Succeeded), split into what the
// rollout must wait for by design and the rest, the overhead:
//   - analysis: 5 weight steps (stepWeight 10 up to maxWeight 50), each analysed for a full
//     interval = 5 x interval;
//   - canary readiness: detection (Progressing/0) to the first step, spent waiting for the
//     scaled-up canary;
//   - primary readiness: Promoting (template copied) to Finalising (all traffic routed to the
//     primary), spent waiting for the primary's rollout.
// Flagger paces all of these by its ticker: 8 ticks after detection (detect, 5 steps, promote,
// finalise), and a ninth to scale down; its wall time is printed by that model beside ours.
// Then the rollback time: the status with the failed checks at the threshold to the status
// Failed with all traffic on the primary (a rollout webhook that refuses, threshold 1).
//   BENCH_SAMPLES (default 3) rollouts per variant; variants run one after another.
import './support/state-dir.js';
import { loadavg } from 'node:os';
import type { KubeClient } from '../src/kube/index.js';
import { benchCluster, createNamespaces, deleteNamespaces, waitForNoBenchNamespaces } from './support/cluster.js';
import { startBenchOperator, type BenchOperator } from './support/operator.js';
import { createApp, setImage, IMAGE } from './support/apps.js';
import { watchFrom } from './support/watch.js';
import { FAST } from '../test/e2e/support/rollout.js';
import { percentile, ms, row, say, mean, loadNote, goal } from './support/stats.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3);
const run = `${process.pid % 100000}`;
const APP = 'podinfo';
const WEIGHT_STEPS = 5;
/** Flagger's ticks from detection to Succeeded for the same rollout (README, "Rollout engine"). */
const FLAGGER_TICKS = WEIGHT_STEPS + 3;
const OVERHEAD_GOAL_MS = 2_000;
/** Flagger v1.44.0's wall time for the same rollout, measured side by side on this machine (issue #18). */
const FLAGGER_MEASURED_MS: Record<number, number> = { 10: 85_200 };

interface Variant {
  key: string;
  intervalS: number;
}
const VARIANTS: Variant[] = [
  { key: 'i5', intervalS: 5 },
  { key: 'i10', intervalS: 10 },
];
const ROLLBACK_NS = `bench-rollout-${run}-rollback`;
const nsOf = (v: Variant) => `bench-rollout-${run}-${v.key}`;

interface Status {
  phase?: string;
  lastAnalysisTime?: string;
  failedChecks?: number;
  canaryWeight?: number;
}
interface CanaryObj {
  metadata: { namespace: string; resourceVersion?: string };
  status?: Status;
}
interface Seen {
  at: number;
  status: Status;
}

/** The watch's Canary statuses per namespace, with their arrival times. */
class StatusLog {
  private readonly byNs = new Map<string, Seen[]>();
  private notify?: () => void;

  add(ns: string, seen: Seen): void {
    this.byNs.set(ns, [...(this.byNs.get(ns) ?? []), seen]);
    this.notify?.();
  }

  of(ns: string, from = 0): Seen[] {
    return (this.byNs.get(ns) ?? []).slice(from);
  }

  length(ns: string): number {
    return this.byNs.get(ns)?.length ?? 0;
  }

  waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (pred()) return resolve(true);
      const timer = setTimeout(() => {
        this.notify = undefined;
        resolve(false);
      }, timeoutMs);
      this.notify = () => {
        if (pred()) {
          clearTimeout(timer);
          this.notify = undefined;
          resolve(true);
        }
      };
    });
  }
}

const firstAt = (seen: Seen[], pred: (s: Status) => boolean): number | undefined => seen.find((h) => pred(h.status))?.at;
const ended = (s: Status) => s.phase === 'Succeeded' || s.phase === 'Failed';

/**
 * The statuses of the rollout started at t0: from its first Progressing on. The watch can still
 * deliver a write of the previous rollout's end (a repeated Succeeded) after t0.
 */
function rolloutStatuses(seen: Seen[], t0: number): Seen[] {
  const start = seen.findIndex((h) => h.at >= t0 && h.status.phase === 'Progressing');
  return start < 0 ? [] : seen.slice(start);
}

interface Sample {
  wall: number;
  canaryReady: number;
  primaryReady: number;
  overhead: number;
}

/** One rollout's parts, from the statuses the watch delivered after t0. */
function partsOf(seen: Seen[], t0: number, intervalS: number): Sample | string {
  const end = firstAt(seen, ended);
  const detected = firstAt(seen, (s) => s.phase === 'Progressing');
  const firstStep = firstAt(seen, (s) => (s.canaryWeight ?? 0) > 0);
  const promoting = firstAt(seen, (s) => s.phase === 'Promoting');
  const finalising = firstAt(seen, (s) => s.phase === 'Finalising');
  if (!end || !detected || !firstStep || !promoting || !finalising)
    return `missing a phase (${seen.map((h) => `${h.status.phase}/${h.status.canaryWeight}`).join(' ')})`;
  if (seen.some((h) => h.status.phase === 'Failed')) return 'Failed';
  const wall = end - t0;
  const canaryReady = firstStep - detected;
  const primaryReady = finalising - promoting;
  return { wall, canaryReady, primaryReady, overhead: wall - WEIGHT_STEPS * intervalS * 1000 - canaryReady - primaryReady };
}

/** Rollback: a rollout webhook that refuses (nothing listens on port 1), threshold 1. */
async function measureRollback(client: KubeClient, log: StatusLog, initialized: (ns: string) => Promise<void>): Promise<void> {
  const webhooks = [{ name: 'refused', type: 'rollout', url: 'http://127.0.0.1:1/', timeout: '2s' }];
  await createApp(client, ROLLBACK_NS, APP, { provider: 'istio', analysis: { interval: '5s', threshold: 1, stepWeight: 10, maxWeight: 50, webhooks } });
  await initialized(ROLLBACK_NS);
  const rollbacks: number[] = [];
  const startLoad = loadavg()[0];
  for (let k = 1; k <= SAMPLES; k++) {
    const from = log.length(ROLLBACK_NS);
    const t0 = await setImage(client, ROLLBACK_NS, APP, `${IMAGE}:6.3.${k}`);
    if (!(await log.waitFor(() => rolloutStatuses(log.of(ROLLBACK_NS, from), t0).some((h) => ended(h.status)), 120_000)))
      throw new Error(`rollback ${k} did not end within 120 s`);
    const seen = rolloutStatuses(log.of(ROLLBACK_NS, from), t0);
    const atThreshold = firstAt(seen, (s) => (s.failedChecks ?? 0) >= 1);
    const failed = firstAt(seen, (s) => s.phase === 'Failed');
    if (!atThreshold || !failed) {
      say(`rollback #${k}: no threshold or Failed status seen`);
      continue;
    }
    rollbacks.push(failed - atThreshold);
    say(`rollback #${k}: threshold reached to Failed with traffic on the primary: ${ms(failed - atThreshold)}`);
  }
  row(
    'rollback: failed checks at the threshold to Failed, all traffic on the primary (interval 5 s)',
    `median ${ms(percentile(rollbacks, 50))}, max ${ms(Math.max(...rollbacks))}`,
    `Flagger: the next tick, 5 s later; ${loadNote(startLoad)}`,
    `n=${rollbacks.length}`,
  );
}

async function main(): Promise<void> {
  const cluster = await benchCluster();
  const { client } = cluster;
  await waitForNoBenchNamespaces(client, 180_000);
  const namespaces = [...VARIANTS.map(nsOf), ROLLBACK_NS];
  const log = new StatusLog();
  let operator: BenchOperator | undefined;
  let stopWatch: (() => void) | undefined;
  try {
    await createNamespaces(client, namespaces);
    operator = await startBenchOperator(cluster);
    stopWatch = (
      await watchFrom<CanaryObj>(client, client.kubeConfig, '/apis/flagger.app/v1beta1/canaries', ({ object, at }) => {
        if (namespaces.includes(object.metadata.namespace)) log.add(object.metadata.namespace, { at, status: object.status ?? {} });
      })
    ).stop;
    const last = (ns: string) => log.of(ns).at(-1)?.status;
    const initialized = async (ns: string) => {
      if (!(await log.waitFor(() => last(ns)?.phase === 'Initialized', 180_000))) throw new Error(`${ns}/${APP} not Initialized in 180 s`);
    };

    for (const v of VARIANTS) {
      const ns = nsOf(v);
      const metrics = [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }];
      await createApp(client, ns, APP, { provider: 'istio', analysis: { interval: `${v.intervalS}s`, threshold: 5, stepWeight: 10, maxWeight: 50, metrics } });
      await initialized(ns);
      const samples: Sample[] = [];
      const startLoad = loadavg()[0];
      for (let k = 1; k <= SAMPLES; k++) {
        const from = log.length(ns);
        const t0 = await setImage(client, ns, APP, `${IMAGE}:6.2.${k}`);
        const budget = 60_000 + FLAGGER_TICKS * v.intervalS * 3000;
        if (!(await log.waitFor(() => rolloutStatuses(log.of(ns, from), t0).some((h) => ended(h.status)), budget)))
          throw new Error(`rollout ${k} in ${ns} did not end within ${budget / 1000} s (last status ${JSON.stringify(last(ns))})`);
        const parts = partsOf(rolloutStatuses(log.of(ns, from), t0), t0, v.intervalS);
        if (typeof parts === 'string') {
          say(`rollout: interval ${v.intervalS} s #${k}: ${parts}`);
          continue;
        }
        samples.push(parts);
        say(
          `rollout: interval ${v.intervalS} s #${k}: wall ${ms(parts.wall)} = ${WEIGHT_STEPS} x ${v.intervalS} s + canary ready ${ms(parts.canaryReady)} + primary ready ${ms(parts.primaryReady)} + overhead ${ms(parts.overhead)}`,
        );
      }
      const overheads = samples.map((s) => s.overhead);
      const wall = percentile(
        samples.map((s) => s.wall),
        50,
      );
      const flaggerModel = FLAGGER_TICKS * v.intervalS * 1000;
      row(
        `rollout, 5 steps at ${v.intervalS} s, one success-rate check`,
        `wall median ${ms(wall)}; overhead median ${ms(percentile(overheads, 50))}, max ${ms(Math.max(...overheads))} (${goal(Math.max(...overheads) < OVERHEAD_GOAL_MS)}: < 2 s)`,
        [
          `${WEIGHT_STEPS} x ${v.intervalS} s = ${WEIGHT_STEPS * v.intervalS} s of analysis`,
          `canary ready mean ${ms(mean(samples.map((s) => s.canaryReady)))}, primary ready mean ${ms(mean(samples.map((s) => s.primaryReady)))}`,
          FLAGGER_MEASURED_MS[v.intervalS]
            ? `Flagger measured ${FLAGGER_MEASURED_MS[v.intervalS] / 1000} s, so ${(wall / FLAGGER_MEASURED_MS[v.intervalS]).toFixed(2)} of it (${goal(wall / FLAGGER_MEASURED_MS[v.intervalS] <= 0.65)}: <= 0.65)`
            : `Flagger's ticks for it: ${FLAGGER_TICKS} x ${v.intervalS} s = ${flaggerModel / 1000} s after detection, so ${(wall / flaggerModel).toFixed(2)} of that`,
          `${SAMPLES - samples.length} of ${SAMPLES} not Succeeded`,
          loadNote(startLoad),
        ].join('; '),
        `n=${samples.length}`,
      );
    }

    await measureRollback(client, log, initialized);
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
