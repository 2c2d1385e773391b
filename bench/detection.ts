// Detection latency: from the API write of a new image (t0 = the moment the PATCH response
// reaches this process) to the "New revision detected! Scaling up ..." Event (t1 = the moment a
// watch on Events in this process delivers it: event-driven, millisecond resolution, no polling).
// Split in two by status.lastAnalysisTime, which the controller stamps when it decides to start
// the rollout: write -> decision (watch, queue) and decision -> Event (the writes before the Event).
// Several Canaries (skipAnalysis, 1 s interval) in parallel namespaces give N samples quickly:
// each namespace waits for its Canary to be Initialized/Succeeded, then writes the next image
// after a random 0-1 s pause, so writes are spread out rather than simultaneous.
//   BENCH_N (default 50) samples, BENCH_PARALLEL (default 10) namespaces.
// Goal (issue 9): p99 under 500 ms.
import './support/state-dir.js';
import { benchCluster, createNamespaces, deleteNamespaces, waitForNoBenchNamespaces } from './support/cluster.js';
import { startBenchOperator } from './support/operator.js';
import { createApp, setImage, IMAGE } from './support/apps.js';
import { watchFrom, type Seen } from './support/watch.js';
import { apiserverTimes, describeApiTimes, CONTROLLER_WRITES } from './support/apiserver.js';
import { loadavg } from 'node:os';
import { percentile, ms, row, say, sleep, goal, mean, loadNote } from './support/stats.js';

const N = Number(process.env.BENCH_N ?? 50);
const P = Math.min(N, Number(process.env.BENCH_PARALLEL ?? 10));
const GOAL_P99_MS = 500;
const run = `${process.pid % 100000}`;
const namespaces = Array.from({ length: P }, (_, i) => `bench-detect-${run}-${i}`);
const APP = 'podinfo';

interface EventObj {
  metadata: { resourceVersion?: string };
  involvedObject: { kind: string; name: string; namespace?: string };
  message: string;
  count?: number;
}
interface CanaryObj {
  metadata: { namespace: string; name: string; resourceVersion?: string };
  status?: { phase?: string; lastAppliedSpec?: string; lastPromotedSpec?: string; lastAnalysisTime?: string };
}

async function main(): Promise<void> {
  const cluster = await benchCluster();
  const { client } = cluster;
  await waitForNoBenchNamespaces(client, 180_000);
  const watches: { stop(): void }[] = [];
  let operator: Awaited<ReturnType<typeof startBenchOperator>> | undefined;
  try {
    await createNamespaces(client, namespaces);
    operator = await startBenchOperator(cluster);
    // Who waits for what: the next "New revision" Event of a namespace, its Canary's phase.
    const eventWaiters = new Map<string, (at: number) => void>();
    const seenCount = new Map<string, number>();
    const phases = new Map<string, CanaryObj['status']>();
    const phaseWaiters = new Map<string, () => void>();
    // The controller stamps status.lastAnalysisTime with the moment it decided to start the rollout.
    const decisionWaiters = new Map<string, (decidedAt: number) => void>();
    const mine = new Set(namespaces);
    watches.push(
      await watchFrom<EventObj>(client, client.kubeConfig, '/api/v1/events', ({ object: e, at }: Seen<EventObj>) => {
        const ns = e.involvedObject?.namespace ?? '';
        if (!mine.has(ns) || e.involvedObject.kind !== 'Canary' || !e.message?.startsWith('New revision detected!')) return;
        // The same sentence about the same Canary is one Event whose count goes up (kubectl's "x3").
        const count = e.count ?? 1;
        if (count <= (seenCount.get(ns) ?? 0)) return;
        seenCount.set(ns, count);
        eventWaiters.get(ns)?.(at);
      }),
    );
    watches.push(
      await watchFrom<CanaryObj>(client, client.kubeConfig, '/apis/flagger.app/v1beta1/canaries', ({ object: c }) => {
        if (!mine.has(c.metadata.namespace)) return;
        phases.set(c.metadata.namespace, c.status);
        if (c.status?.phase === 'Progressing' && c.status.lastAnalysisTime) decisionWaiters.get(c.metadata.namespace)?.(Date.parse(c.status.lastAnalysisTime));
        phaseWaiters.get(c.metadata.namespace)?.();
      }),
    );
    const idle = (ns: string) => {
      const st = phases.get(ns);
      return (st?.phase === 'Initialized' || st?.phase === 'Succeeded') && st.lastAppliedSpec === st.lastPromotedSpec;
    };
    const waitIdle = (ns: string, timeoutMs: number) =>
      new Promise<boolean>((resolve) => {
        if (idle(ns)) return resolve(true);
        const timer = setTimeout(() => {
          phaseWaiters.delete(ns);
          resolve(false);
        }, timeoutMs);
        phaseWaiters.set(ns, () => {
          if (idle(ns)) {
            clearTimeout(timer);
            phaseWaiters.delete(ns);
            resolve(true);
          }
        });
      });

    const spec = { provider: 'istio', skipAnalysis: true, analysis: { interval: '1s', threshold: 5, stepWeight: 10, maxWeight: 50 } };
    say(`detection: ${P} Canaries (skipAnalysis, interval 1s), ${N} image writes`);
    await Promise.all(namespaces.map((ns) => createApp(client, ns, APP, spec)));

    const samples: { ns: string; t0: number; event?: number; decided?: number; index: number }[] = [];
    const cycleMs: number[] = [];
    let next = 0;
    let startLoad = loadavg()[0];
    const api0 = await apiserverTimes();
    const loop = async (ns: string) => {
      // The first write of each namespace warms up (first reconciles of a fresh process); not counted.
      let k = 0;
      for (;;) {
        if (!(await waitIdle(ns, 180_000))) throw new Error(`canary ${ns}/${APP} not Initialized/Succeeded after 180 s: ${JSON.stringify(phases.get(ns))}`);
        if (k > 0) {
          if (next >= N) return;
          if (next === 0) startLoad = loadavg()[0];
          next++;
        }
        await sleep(Math.random() * 1000);
        const eventSeen = new Promise<number | undefined>((resolve) => {
          const timer = setTimeout(() => {
            eventWaiters.delete(ns);
            resolve(undefined);
          }, 30_000);
          eventWaiters.set(ns, (at) => {
            clearTimeout(timer);
            eventWaiters.delete(ns);
            resolve(at);
          });
        });
        const decided = new Promise<number | undefined>((resolve) => {
          const timer = setTimeout(() => {
            decisionWaiters.delete(ns);
            resolve(undefined);
          }, 30_000);
          decisionWaiters.set(ns, (at) => {
            clearTimeout(timer);
            decisionWaiters.delete(ns);
            resolve(at);
          });
        });
        const t0 = await setImage(client, ns, APP, `${IMAGE}:6.1.${++k}`);
        phases.set(ns, { ...phases.get(ns), phase: 'written' });
        const sample = { ns, t0, index: k, event: await eventSeen, decided: await decided };
        if (k === 1) {
          await waitIdle(ns, 180_000);
          continue;
        }
        samples.push(sample);
        if (sample.event === undefined) say(`detection: no "New revision detected!" Event for ${ns} within 30 s`);
        const before = Date.now();
        if (await waitIdle(ns, 180_000)) cycleMs.push(Date.now() - sample.t0);
        else throw new Error(`rollout in ${ns} did not finish in ${(Date.now() - before) / 1000} s`);
      }
    };
    await Promise.all(namespaces.map(loop));

    const api = describeApiTimes(api0, await apiserverTimes(), CONTROLLER_WRITES);
    const toEvent = samples.filter((s) => s.event !== undefined).map((s) => s.event! - s.t0);
    const withBoth = samples.filter((s) => s.event !== undefined && s.decided !== undefined);
    const toDecision = withBoth.map((s) => s.decided! - s.t0);
    const decisionToEvent = withBoth.map((s) => s.event! - s.decided!);
    const missed = samples.length - toEvent.length;
    const p99 = percentile(toEvent, 99);
    row(
      'detection: image write -> "New revision detected!" Event',
      `p50 ${ms(percentile(toEvent, 50))}, p99 ${ms(p99)}, max ${ms(Math.max(...toEvent))}`,
      `goal p99 < ${GOAL_P99_MS} ms: ${goal(missed === 0 && p99 < GOAL_P99_MS)}; t0 = PATCH response, t1 = Event delivered by a watch (ms resolution); ${P === 1 ? '1 Canary, one write at a time' : `${P} Canaries in parallel namespaces`} (istio, skipAnalysis, 1 s interval), writes 0-1 s apart per namespace, after one warm-up write each; ${loadNote(startLoad)}${missed ? `; ${missed} writes without an Event in 30 s` : ''}`,
      `n=${toEvent.length}`,
    );
    row(
      'detection: of which write -> controller decides',
      `p50 ${ms(percentile(toDecision, 50))}, p99 ${ms(percentile(toDecision, 99))}, max ${ms(Math.max(...toDecision))}`,
      'decision = status.lastAnalysisTime the controller stamps when it starts the rollout (its clock, same machine); watch + queue + reconcile start; may be < 0 (the watch can beat the PATCH response)',
      `n=${toDecision.length}`,
    );
    row(
      'detection: of which decision -> Event seen',
      `p50 ${ms(percentile(decisionToEvent, 50))}, p99 ${ms(percentile(decisionToEvent, 99))}, max ${ms(Math.max(...decisionToEvent))}`,
      `the controller writes the Canary status, then the Event (a repeat: one conditional PATCH) beside the target scale-up; mean apiserver latency over the run: ${api}`,
      `n=${decisionToEvent.length}`,
    );
    row(
      'detection: one skipAnalysis cycle (write -> Succeeded again)',
      `mean ${ms(mean(cycleMs))}, max ${ms(Math.max(...cycleMs))}`,
      'scale up, canary Ready (kwok), copy to primary, Succeeded',
      `n=${cycleMs.length}`,
    );
  } finally {
    for (const w of watches) w.stop();
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
