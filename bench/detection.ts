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
import type { KubeClient } from '../src/kube/index.js';
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

/** What the two watches saw, and who waits for what: a namespace's next "New revision" Event, its Canary's next decision or phase. */
interface Tracker {
  readonly eventWaiters: Map<string, (at: number) => void>;
  /** The count of the "New revision" Event already seen, per namespace. */
  readonly seenCount: Map<string, number>;
  readonly phases: Map<string, CanaryObj['status']>;
  readonly phaseWaiters: Map<string, () => void>;
  /** The controller stamps status.lastAnalysisTime with the moment it decided to start the rollout. */
  readonly decisionWaiters: Map<string, (decidedAt: number) => void>;
}

interface Sample {
  ns: string;
  t0: number;
  event?: number;
  decided?: number;
  index: number;
}

/** The samples so far, and the shared count of writes that lets the namespaces stop at N. */
interface Tally {
  readonly samples: Sample[];
  readonly cycleMs: number[];
  next: number;
  startLoad: number;
}

/** Watches Events and Canaries of the benchmark's namespaces, calling the tracker's waiters; pushes each watch to `watches`. */
async function watchNamespaces(client: KubeClient, tracker: Tracker, watches: { stop(): void }[]): Promise<void> {
  const mine = new Set(namespaces);
  watches.push(
    await watchFrom<EventObj>(client, client.kubeConfig, '/api/v1/events', ({ object: e, at }: Seen<EventObj>) => {
      const ns = e.involvedObject?.namespace ?? '';
      if (!mine.has(ns) || e.involvedObject.kind !== 'Canary' || !e.message?.startsWith('New revision detected!')) return;
      // The same sentence about the same Canary is one Event whose count goes up (kubectl's "x3").
      const count = e.count ?? 1;
      if (count <= (tracker.seenCount.get(ns) ?? 0)) return;
      tracker.seenCount.set(ns, count);
      tracker.eventWaiters.get(ns)?.(at);
    }),
  );
  watches.push(
    await watchFrom<CanaryObj>(client, client.kubeConfig, '/apis/flagger.app/v1beta1/canaries', ({ object: c }) => {
      if (!mine.has(c.metadata.namespace)) return;
      tracker.phases.set(c.metadata.namespace, c.status);
      if (c.status?.phase === 'Progressing' && c.status.lastAnalysisTime)
        tracker.decisionWaiters.get(c.metadata.namespace)?.(Date.parse(c.status.lastAnalysisTime));
      tracker.phaseWaiters.get(c.metadata.namespace)?.();
    }),
  );
}

function idle(tracker: Tracker, ns: string): boolean {
  const st = tracker.phases.get(ns);
  return (st?.phase === 'Initialized' || st?.phase === 'Succeeded') && st.lastAppliedSpec === st.lastPromotedSpec;
}

/** True once the namespace's Canary is idle with nothing left to promote; false after `timeoutMs`. */
function waitIdle(tracker: Tracker, ns: string, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (idle(tracker, ns)) return resolve(true);
    const timer = setTimeout(() => {
      tracker.phaseWaiters.delete(ns);
      resolve(false);
    }, timeoutMs);
    tracker.phaseWaiters.set(ns, () => {
      if (idle(tracker, ns)) {
        clearTimeout(timer);
        tracker.phaseWaiters.delete(ns);
        resolve(true);
      }
    });
  });
}

/** The moment the next call of the namespace's waiter in `waiters` reports; undefined after `timeoutMs`. */
function nextReport(waiters: Map<string, (at: number) => void>, ns: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => {
      waiters.delete(ns);
      resolve(undefined);
    }, timeoutMs);
    waiters.set(ns, (at) => {
      clearTimeout(timer);
      waiters.delete(ns);
      resolve(at);
    });
  });
}

/** One namespace's writes: wait idle, pause 0-1 s, write the next image, time its Event and decision, until N are taken. */
async function writeLoop(client: KubeClient, tracker: Tracker, tally: Tally, ns: string): Promise<void> {
  // The first write of each namespace warms up (first reconciles of a fresh process); not counted.
  let k = 0;
  for (;;) {
    if (!(await waitIdle(tracker, ns, 180_000)))
      throw new Error(`canary ${ns}/${APP} not Initialized/Succeeded after 180 s: ${JSON.stringify(tracker.phases.get(ns))}`);
    if (k > 0) {
      if (tally.next >= N) return;
      if (tally.next === 0) tally.startLoad = loadavg()[0];
      tally.next++;
    }
    await sleep(Math.random() * 1000);
    const eventSeen = nextReport(tracker.eventWaiters, ns, 30_000);
    const decided = nextReport(tracker.decisionWaiters, ns, 30_000);
    const t0 = await setImage(client, ns, APP, `${IMAGE}:6.1.${++k}`);
    tracker.phases.set(ns, { ...tracker.phases.get(ns), phase: 'written' });
    const sample = { ns, t0, index: k, event: await eventSeen, decided: await decided };
    if (k === 1) {
      await waitIdle(tracker, ns, 180_000);
      continue;
    }
    tally.samples.push(sample);
    if (sample.event === undefined) say(`detection: no "New revision detected!" Event for ${ns} within 30 s`);
    const before = Date.now();
    if (await waitIdle(tracker, ns, 180_000)) tally.cycleMs.push(Date.now() - sample.t0);
    else throw new Error(`rollout in ${ns} did not finish in ${(Date.now() - before) / 1000} s`);
  }
}

/** The result rows: write -> Event, split at the decision, and one whole cycle. */
function report({ samples, cycleMs, startLoad }: Tally, api: string): void {
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
    const tracker: Tracker = { eventWaiters: new Map(), seenCount: new Map(), phases: new Map(), phaseWaiters: new Map(), decisionWaiters: new Map() };
    await watchNamespaces(client, tracker, watches);

    const spec = { provider: 'istio', skipAnalysis: true, analysis: { interval: '1s', threshold: 5, stepWeight: 10, maxWeight: 50 } };
    say(`detection: ${P} Canaries (skipAnalysis, interval 1s), ${N} image writes`);
    await Promise.all(namespaces.map((ns) => createApp(client, ns, APP, spec)));

    const tally: Tally = { samples: [], cycleMs: [], next: 0, startLoad: loadavg()[0] };
    const api0 = await apiserverTimes();
    await Promise.all(namespaces.map((ns) => writeLoop(client, tracker, tally, ns)));
    report(tally, describeApiTimes(api0, await apiserverTimes(), CONTROLLER_WRITES));
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
