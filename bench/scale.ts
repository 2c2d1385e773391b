// Scale: M Canaries (each with its own Deployment, replicas 1, pods simulated by kwok) on one
// controller (`sluice run`, default settings):
//   1. init: the Deployments and Canaries exist first (their pods Ready); then the operator starts
//      and we time how long until every Canary is Initialized;
//   2. idle: after a quiet spell, for 60 s with nothing changing: the controller's CPU
//      (utime+stime from /proc/<pid>/stat, as % of one core), RSS (/proc/<pid>/status), and its
//      API writes (sluice_kube_requests_total, every verb but GET/LIST);
//   3. rollouts: K of them get a new image at once (1 s interval, stepWeight 10 to 50), and we
//      check each ends Succeeded with the primary on the new image, the target at 0 replicas,
//      the VirtualService back at 100/0 and the seed's Events in place.
//   BENCH_CANARIES: list of M, one round each (default "1000", the issue's figure: about 22 min);
//   BENCH_ROLLOUTS K (default min(100, M); 0 skips step 3); BENCH_PER_NAMESPACE (default 10); BENCH_IDLE_MINUTES
//   (default 6: idle Canaries are looked at every 5 min, and the second half counts as steady);
//   BENCH_METRICS=1 adds a request-success-rate check to every Canary.
// Before the rounds, the floor: the operator's RSS with no Canary at all.
// Goals (issue 9): 1,000 Canaries; idle CPU < 10% of a core, RSS < 300 MB, 0 writes per idle
// minute; 100 concurrent rollouts at 1 s interval all Succeeded. Issue 18: RSS at most 100 MB
// at 100 idle Canaries.
import './support/state-dir.js';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCluster, create, createNamespaces, deleteNamespaces, waitForNoBenchNamespaces, stateDir, MORE, type BenchCluster } from './support/cluster.js';
import { startBenchOperator, writesBetween, describeCounts, type BenchOperator } from './support/operator.js';
import { appCanary, appDeployment, setImage, IMAGE } from './support/apps.js';
import { watchFrom } from './support/watch.js';
import { apiserverTimes, describeApiTimes, CONTROLLER_WRITES } from './support/apiserver.js';
import { FAST } from '../test/e2e/support/rollout.js';
import { RESOURCES, type KubeClient } from '../src/kube/index.js';
import { percentile, ms, seconds, row, say, sleep, goal, pool, loadNote } from './support/stats.js';

const SIZES = (process.env.BENCH_CANARIES ?? '1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const PER_NS = Number(process.env.BENCH_PER_NAMESPACE ?? 10);
const IDLE_MINUTES = Number(process.env.BENCH_IDLE_MINUTES ?? 6);
const WITH_METRICS = ['1', 'true'].includes(process.env.BENCH_METRICS ?? '');
const STEPS = 8; // 5 weight steps, copy, route to primary, finalise
const run = `${process.pid % 100000}`;
const GOAL = { canaries: 1000, cpuPct: 10, rssMb: 300, writes: 0, rollouts: 100, rssMbAt100: 100 };

interface CanaryObj {
  metadata: { namespace: string; name: string; resourceVersion?: string };
  status?: { phase?: string };
}

/** CPU seconds of a cluster process from its pid file (pid + start time; we only read /proc). */
function clusterCpu(component: string): number {
  try {
    const pid = readFileSync(join(stateDir, 'pids', `${component}.pid`), 'utf8')
      .trim()
      .split(/\s+/)[0];
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
const CLUSTER = ['kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'traffic', 'prometheus'];
const clusterCpuAll = () => Object.fromEntries(CLUSTER.map((c) => [c, clusterCpu(c)]));
const clusterCpuNote = (a: Record<string, number>, b: Record<string, number>, secs: number) =>
  CLUSTER.map((c) => `${c} ${(((b[c] - a[c]) / secs) * 100).toFixed(0)}%`).join(', ');

/** kwok Nodes with room for `pods` more pods (the cluster's 3 Nodes hold 110 each). */
async function addNodes(client: KubeClient, pods: number): Promise<string[]> {
  const count = Math.ceil(pods / 1000);
  const names = Array.from({ length: count }, (_, i) => `bench-kwok-${run}-${i}`);
  for (const name of names) {
    await create(client, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: { type: 'kwok', 'sluice.dev/bench': 'true', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
      },
      status: { allocatable: { cpu: '256', memory: '2Ti', pods: '1000' }, capacity: { cpu: '256', memory: '2Ti', pods: '1000' } },
    });
  }
  return names;
}

async function removeNodes(client: KubeClient): Promise<void> {
  const nodes = await client.list<{ metadata: { name: string } }>(MORE.nodes, { labelSelector: 'sluice.dev/bench=true' });
  await pool(nodes.items, 8, (n) => client.delete(MORE.nodes, n.metadata.name).catch(() => false));
}

async function countAvailable(client: KubeClient, namespaces: Set<string>, suffix: string): Promise<number> {
  const list = await client.list<{ metadata: { namespace: string; name: string }; status?: { availableReplicas?: number } }>(RESOURCES.deployments);
  return list.items.filter((d) => namespaces.has(d.metadata.namespace) && d.metadata.name.endsWith(suffix) && (d.status?.availableReplicas ?? 0) >= 1).length;
}

/** One round: M apps (Deployment + Canary) in namespaces of PER_NS, K of them rolled out at once. */
interface Round {
  readonly cluster: BenchCluster;
  readonly client: KubeClient;
  readonly M: number;
  readonly K: number;
  readonly namespaces: readonly string[];
  readonly apps: readonly { ns: string; name: string }[];
  readonly nsSet: Set<string>;
  /** `M=<M>`, in every line the round prints. */
  readonly tag: string;
}

/** What a round has started, stopped in its finally whatever step failed. */
interface Started {
  operator?: BenchOperator;
  stopWatch?: () => void;
}

/** The round's Canaries as its watch sees them: each one's phase, when it was first Initialized, the last change of any. */
interface PhaseWatch {
  readonly initialized: Map<string, number>;
  readonly phase: Map<string, string>;
  lastChange: number;
}

/** One idle minute of the controller. */
interface IdleMinute {
  cpuPct: number;
  rssMax: number;
  /** RssAnon and RssFile at the sample that gave rssMax. */
  rssParts: { anon: number; file: number };
  heap: number;
  /** V8 heap committed (sluice_nodejs_heap_size_total_bytes) and memory outside it (external), at the minute's end. */
  heapTotal: number;
  external: number;
  writes: number;
  detail: string;
  reads: number;
}

async function round(cluster: BenchCluster, M: number): Promise<void> {
  const { client } = cluster;
  const K = Math.min(M, Number(process.env.BENCH_ROLLOUTS ?? GOAL.rollouts));
  const nsCount = Math.ceil(M / PER_NS);
  const namespaces = Array.from({ length: nsCount }, (_, j) => `bench-scale-${run}-${M}-${j}`);
  const apps = Array.from({ length: M }, (_, i) => ({ ns: namespaces[Math.floor(i / PER_NS)], name: `app-${i}` }));
  const r: Round = { cluster, client, M, K, namespaces, apps, nsSet: new Set(namespaces), tag: `M=${M}` };
  const started: Started = {};
  try {
    await waitForNoBenchNamespaces(client, 600_000);
    await addNodes(client, 2 * M + K + 100);
    await createApps(r);
    const { watch, operator } = await measureInit(r, started);
    await measureIdle(r, operator, watch);
    // BENCH_ROLLOUTS=0: none, idle figures only.
    if (K > 0) await measureRollouts(r, operator, watch.phase);
  } finally {
    started.stopWatch?.();
    await started.operator?.stop();
    say(`scale ${r.tag}: deleting ${namespaces.length} namespaces`);
    await deleteNamespaces(client, namespaces);
  }
}

/** The namespaces, Deployments and Canaries, and the time the cluster alone takes until every pod is Ready. */
async function createApps({ client, M, namespaces, apps, nsSet, tag }: Round): Promise<void> {
  say(`scale ${tag}: creating ${namespaces.length} namespaces, ${M} Deployments (replicas 1) and ${M} Canaries`);
  await createNamespaces(client, namespaces);
  const metrics = WITH_METRICS ? [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }] : [];
  const spec = { provider: 'istio', analysis: { interval: '1s', threshold: 5, stepWeight: 10, maxWeight: 50, metrics } };
  const created = Date.now();
  await pool(apps, 16, async ({ ns, name }) => {
    await create(client, appDeployment(ns, name, `${IMAGE}:6.0.0`));
    await create(client, appCanary(ns, name, spec));
  });
  say(`scale ${tag}: created in ${seconds(Date.now() - created)}; waiting for the Deployments to be available`);
  for (;;) {
    const avail = await countAvailable(client, nsSet, '');
    if (avail >= M) break;
    if (Date.now() - created > 20 * 60_000) throw new Error(`only ${avail}/${M} Deployments available after 20 min`);
    await sleep(3000);
  }
  const clusterReady = Date.now() - created;
  say(`scale ${tag}: ${M} Deployments available ${seconds(clusterReady)} after the first create`);
  row(
    `scale ${tag}: cluster alone, create ${M} Deployments + Canaries -> all pods Ready`,
    seconds(clusterReady),
    `context, not Sluice: kube-controller-manager, scheduler and kwok at their default client rates; ${PER_NS} per namespace`,
    'n=1',
  );
}

/** 1. init: watches the Canaries, starts the operator, and times until every Canary is Initialized. */
async function measureInit(r: Round, started: Started): Promise<{ watch: PhaseWatch; operator: BenchOperator }> {
  const { cluster, client, M, nsSet, tag } = r;
  const watch: PhaseWatch = { initialized: new Map(), phase: new Map(), lastChange: Date.now() };
  const { initialized, phase } = watch;
  started.stopWatch = (
    await watchFrom<CanaryObj>(client, client.kubeConfig, '/apis/flagger.app/v1beta1/canaries', ({ object, at }) => {
      if (!nsSet.has(object.metadata.namespace)) return;
      const key = `${object.metadata.namespace}/${object.metadata.name}`;
      const p = object.status?.phase ?? '';
      phase.set(key, p);
      watch.lastChange = at;
      if (p === 'Initialized' && !initialized.has(key)) initialized.set(key, at);
    })
  ).stop;
  const cpuBeforeStart = 0;
  const initLoad = loadavg()[0];
  const clusterAtStart = clusterCpuAll();
  const apiInit0 = await apiserverTimes();
  const operator = await startBenchOperator(cluster);
  started.operator = operator;
  const spawned = operator.spawnedAt;
  const initDeadline = spawned + Math.max(10 * 60_000, M * 1200);
  while (initialized.size < M && Date.now() < initDeadline) await sleep(500);
  const initCpu = operator.cpuSeconds() - cpuBeforeStart;
  const initEnd = Date.now();
  const initTimes = [...initialized.values()].map((t) => t - spawned);
  const allInit = initialized.size >= M;
  const primariesUp = await countAvailable(client, nsSet, '-primary');
  const initWrites = writesBetween(new Map(), await operator.requests());
  const initApi = describeApiTimes(apiInit0, await apiserverTimes(), CONTROLLER_WRITES);
  row(
    `scale ${tag}: operator start -> all ${M} Canaries Initialized`,
    allInit ? seconds(Math.max(...initTimes)) : `${initialized.size}/${M} in ${seconds(initEnd - spawned)}`,
    `caches synced ${seconds(operator.startedAfterMs)} after spawn (operator: ${operator.label}); half Initialized at ${seconds(percentile(initTimes, 50))}; controller CPU ${initCpu.toFixed(1)} s; ${(initWrites.total / M).toFixed(1)} API writes per Canary (${describeCounts(initWrites.byKey)}); primaries available ${primariesUp}/${M}; concurrency ${process.env.SLUICE_CONCURRENCY ?? '16 (default)'}; mean apiserver latency: ${initApi}; cluster CPU meanwhile: ${clusterCpuNote(clusterAtStart, clusterCpuAll(), (initEnd - spawned) / 1000)}; ${loadNote(initLoad)}; goal ${GOAL.canaries} Canaries: ${M >= GOAL.canaries && allInit ? 'met' : `ran ${M}`}`,
    `n=${initialized.size}`,
  );
  if (!allInit) say(`scale ${tag}: not all Canaries Initialized; idle figures below include that work`);
  return { watch, operator };
}

/** 2. idle: after a quiet spell, IDLE_MINUTES minutes of nothing changing. */
async function measureIdle(r: Round, operator: BenchOperator, watch: PhaseWatch): Promise<void> {
  const { tag } = r;
  const quietSince = Date.now();
  while (Date.now() - watch.lastChange < 15_000 && Date.now() - quietSince < 180_000) await sleep(1000);
  say(`scale ${tag}: quiet for ${seconds(Date.now() - watch.lastChange)}; measuring ${IDLE_MINUTES} idle minute(s)`);
  const minutes: IdleMinute[] = [];
  for (let m = 0; m < IDLE_MINUTES; m++) {
    const minute = await idleMinute(operator);
    minutes.push(minute);
    say(
      `scale ${tag}: idle minute ${m + 1}: CPU ${minute.cpuPct.toFixed(1)}%, RSS max ${(minute.rssMax / 2 ** 20).toFixed(0)} MB (${describeMemory(minute)}), writes ${minute.writes} (${minute.detail.split('; ')[0]}), reads ${minute.reads}`,
    );
  }
  reportIdle(r, operator, minutes);
}

/** The controller's CPU, peak RSS, heap and API requests over one minute, with the cluster's CPU meanwhile. */
async function idleMinute(operator: BenchOperator): Promise<IdleMinute> {
  const load0 = loadavg()[0];
  const cpu0 = operator.cpuSeconds();
  const req0 = await operator.requests();
  const cl0 = clusterCpuAll();
  const t0 = Date.now();
  let rssMax = 0;
  let rssParts = { anon: NaN, file: NaN };
  while (Date.now() - t0 < 60_000) {
    const rss = operator.rssBytes();
    if (rss > rssMax) [rssMax, rssParts] = [rss, operator.rssParts()];
    await sleep(1000);
  }
  const secs = (Date.now() - t0) / 1000;
  const cpuPct = ((operator.cpuSeconds() - cpu0) / secs) * 100;
  const w = writesBetween(req0, await operator.requests());
  const heap = await operator.gauge('sluice_nodejs_heap_size_used_bytes');
  return {
    cpuPct,
    rssMax,
    rssParts,
    heap,
    heapTotal: await operator.gauge('sluice_nodejs_heap_size_total_bytes'),
    external: await operator.gauge('sluice_nodejs_external_memory_bytes'),
    writes: w.total,
    reads: w.reads,
    detail: `${describeCounts(w.byKey)}; cluster CPU: ${clusterCpuNote(cl0, clusterCpuAll(), secs)}; ${loadNote(load0)}`,
  };
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Where a minute's peak RSS sat, and the V8 heap at the minute's end. */
function describeMemory(m: IdleMinute): string {
  return `anonymous ${mb(m.rssParts.anon)} MB, file-backed ${mb(m.rssParts.file)} MB; V8 heap in use ${mb(m.heap)} of ${mb(m.heapTotal)} MB committed, external ${mb(m.external)} MB at the minute's end`;
}

/** The idle rows: CPU and RSS of the steady state, writes of the worst minute. */
function reportIdle({ M, tag }: Round, operator: BenchOperator, minutes: IdleMinute[]): void {
  // Steady state: the second half of the idle minutes (the first ones still carry the heap the
  // initialization grew, which V8 hands back slowly); every minute is listed in the detail.
  const steady = minutes.slice(Math.floor(minutes.length / 2));
  const worstOf = (list: IdleMinute[], f: (x: IdleMinute) => number) => list.reduce((a, b) => (f(b) > f(a) ? b : a));
  const cpuW = worstOf(steady, (x) => x.cpuPct);
  const rssW = worstOf(steady, (x) => x.rssMax);
  const wrW = worstOf(minutes, (x) => x.writes);
  const rssAll = worstOf(minutes, (x) => x.rssMax);
  const cpuAll = worstOf(minutes, (x) => x.cpuPct);
  const steadyNote = minutes.length > 1 ? `worst of idle minutes ${minutes.length - steady.length + 1}-${minutes.length} (steady state)` : 'one idle minute';
  const per = (f: (x: IdleMinute) => string) => (minutes.length > 1 ? ` (per minute: ${minutes.map(f).join(', ')})` : '');
  row(
    `scale ${tag}: controller CPU, all idle`,
    `${cpuW.cpuPct.toFixed(1)}% of one core`,
    `goal < ${GOAL.cpuPct}%: ${goal(cpuW.cpuPct < GOAL.cpuPct)}; ${steadyNote}; utime+stime over 60 s${per((x) => `${x.cpuPct.toFixed(1)}%`)}, worst minute overall ${cpuAll.cpuPct.toFixed(1)}%; ${cpuW.detail.split('; ').slice(1).join('; ')}`,
    `${minutes.length} min`,
  );
  row(
    `scale ${tag}: controller RSS, all idle`,
    `${(rssW.rssMax / 2 ** 20).toFixed(0)} MB`,
    `goal < ${GOAL.rssMb} MB: ${goal(rssW.rssMax < GOAL.rssMb * 2 ** 20)}${M === 100 ? `; issue 18's <= ${GOAL.rssMbAt100} MB at 100: ${goal(rssW.rssMax <= GOAL.rssMbAt100 * 2 ** 20)}` : ''}; ${steadyNote}; max of 1 s samples of VmRSS${per((x) => `${(x.rssMax / 2 ** 20).toFixed(0)}`)}, worst minute overall ${(rssAll.rssMax / 2 ** 20).toFixed(0)} MB; at its peak ${describeMemory(rssW)}; operator: ${operator.label}`,
    `${minutes.length} min`,
  );
  row(
    `scale ${tag}: controller API writes per idle minute`,
    String(wrW.writes),
    `goal ${GOAL.writes}: ${goal(wrW.writes === 0)}; worst of all ${minutes.length} idle minutes; non-GET requests from sluice_kube_requests_total: ${wrW.detail.split('; ')[0]}; reads ${wrW.reads}${per((x) => String(x.writes))}`,
    `${minutes.length} min`,
  );
}

/** The rollouts as they ran: when each was written and how it ended, and what they cost the controller and the cluster. */
interface Rollouts {
  readonly t0s: Map<string, number>;
  readonly ended: Map<string, { at: number; phase: string }>;
  readonly firstWrite: number;
  readonly writesSpread: number;
  readonly rollEnd: number;
  readonly rollCpu: number;
  readonly rollWrites: ReturnType<typeof writesBetween>;
  readonly rollApi: string;
  readonly rollCluster: string;
  readonly rollLoad: number;
}

/** 3. K concurrent rollouts: each ends Succeeded with the right end state and Events, the other Canaries untouched. */
async function measureRollouts(r: Round, operator: BenchOperator, phase: Map<string, string>): Promise<void> {
  const rolled = r.apps.slice(0, r.K);
  const newImage = `${IMAGE}:6.3.0`;
  const rollouts = await rollOut(r, operator, rolled, newImage);
  const wrong = await wrongEndStates(r.client, rolled, newImage);
  const eventsMissing = await missingEvents(r.client, rolled);
  const idleUntouched = [...phase].filter(([k]) => !rollouts.t0s.has(k)).every(([, p]) => p === 'Initialized');
  for (const w of [...wrong, ...eventsMissing].slice(0, 10)) say(`scale ${r.tag}: wrong: ${w}`);
  reportRollouts(r, rollouts, { wrong: wrong.length, eventsMissing: eventsMissing.length, idleUntouched });
}

/** Writes the new image to every rolled app at once and waits (10 min at most) until each has Succeeded or Failed. */
async function rollOut(
  { client, K, tag }: Round,
  operator: BenchOperator,
  rolled: readonly { ns: string; name: string }[],
  newImage: string,
): Promise<Rollouts> {
  const ended = new Map<string, { at: number; phase: string }>();
  const done = new Set(['Succeeded', 'Failed']);
  const t0s = new Map<string, number>();
  const rollLoad = loadavg()[0];
  const rollCpu0 = operator.cpuSeconds();
  const req0 = await operator.requests();
  const apiRoll0 = await apiserverTimes();
  const clRoll0 = clusterCpuAll();
  const stopEnd = (
    await watchFrom<CanaryObj>(client, client.kubeConfig, '/apis/flagger.app/v1beta1/canaries', ({ object, at }) => {
      const key = `${object.metadata.namespace}/${object.metadata.name}`;
      const p = object.status?.phase ?? '';
      if (t0s.has(key) && !ended.has(key) && done.has(p)) ended.set(key, { at, phase: p });
    })
  ).stop;
  say(`scale ${tag}: ${K} rollouts at once`);
  const firstWrite = Date.now();
  await pool(rolled, 25, async ({ ns, name }) => {
    t0s.set(`${ns}/${name}`, await setImage(client, ns, name, newImage));
  });
  const writesSpread = Date.now() - firstWrite;
  const rollDeadline = Date.now() + 10 * 60_000;
  while (ended.size < K && Date.now() < rollDeadline) await sleep(500);
  stopEnd();
  const rollEnd = Date.now();
  return {
    t0s,
    ended,
    firstWrite,
    writesSpread,
    rollEnd,
    rollCpu: operator.cpuSeconds() - rollCpu0,
    rollWrites: writesBetween(req0, await operator.requests()),
    rollApi: describeApiTimes(apiRoll0, await apiserverTimes(), CONTROLLER_WRITES),
    rollCluster: clusterCpuNote(clRoll0, clusterCpuAll(), (rollEnd - firstWrite) / 1000),
    rollLoad,
  };
}

/** Correct end state of every rollout, read back from the API: one line per app that is wrong. */
async function wrongEndStates(client: KubeClient, rolled: readonly { ns: string; name: string }[], newImage: string): Promise<string[]> {
  const wrong: string[] = [];
  await pool(rolled, 16, async ({ ns, name }) => {
    const key = `${ns}/${name}`;
    const problems: string[] = [];
    const c = await client.get<{ status?: { phase?: string; canaryWeight?: number } }>(RESOURCES.canaries, name, ns);
    if (c.status?.phase !== 'Succeeded') problems.push(`phase ${c.status?.phase}`);
    const primary = await client.get<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(RESOURCES.deployments, `${name}-primary`, ns);
    if (primary.spec.template.spec.containers[0].image !== newImage) problems.push('primary not on the new image');
    const target = await client.get<{ spec: { replicas?: number } }>(RESOURCES.deployments, name, ns);
    if (target.spec.replicas !== 0) problems.push(`target replicas ${target.spec.replicas}`);
    const vs = await client.get<{ spec: { http: { route: { destination: { host: string }; weight: number }[] }[] } }>(MORE.virtualServices, name, ns);
    const weights = Object.fromEntries(vs.spec.http[0].route.map((r) => [r.destination.host, r.weight]));
    if (weights[`${name}-primary`] !== 100 || weights[`${name}-canary`] !== 0) problems.push(`routes ${JSON.stringify(weights)}`);
    if (problems.length) wrong.push(`${key}: ${problems.join(', ')}`);
  });
  return wrong;
}

/** The seed's Events of a promoted rollout that a rolled app lacks: one line per app that lacks any. */
async function missingEvents(client: KubeClient, rolled: readonly { ns: string; name: string }[]): Promise<string[]> {
  const eventsMissing: string[] = [];
  const rolledNs = [...new Set(rolled.map((a) => a.ns))];
  await pool(rolledNs, 8, async (ns) => {
    const events = await client.list<{ involvedObject: { name: string }; message: string }>(RESOURCES.events, {
      namespace: ns,
      fieldSelector: 'involvedObject.kind=Canary',
    });
    for (const { name } of rolled.filter((a) => a.ns === ns)) {
      const t = `${name}.${ns}`;
      const expected = [
        `New revision detected! Scaling up ${t}`,
        `Starting canary analysis for ${t}`,
        ...[10, 20, 30, 40, 50].map((w) => `Advance ${t} canary weight ${w}`),
        `Copying ${t} template spec to ${name}-primary.${ns}`,
        'Routing all traffic to primary',
        `Promotion completed! Scaling down ${t}`,
      ];
      const have = new Set(events.items.filter((e) => e.involvedObject.name === name).map((e) => e.message));
      const missing = expected.filter((m) => !have.has(m));
      if (missing.length) eventsMissing.push(`${ns}/${name}: ${missing.join('; ')}`);
    }
  });
  return eventsMissing;
}

/** The rollouts' row: how many Succeeded and how fast, what was wrong, and the cost. */
function reportRollouts({ K, tag }: Round, rollouts: Rollouts, checked: { wrong: number; eventsMissing: number; idleUntouched: boolean }): void {
  const { t0s, ended, firstWrite, writesSpread, rollEnd, rollCpu, rollWrites, rollApi, rollCluster, rollLoad } = rollouts;
  const perRollout = [...rollWrites.byKey]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${(v / K).toFixed(1)}`)
    .join(', ');
  const durations = [...ended].filter(([, e]) => e.phase === 'Succeeded').map(([k, e]) => e.at - t0s.get(k)!);
  const succeeded = durations.length;
  const failed = [...ended.values()].filter((e) => e.phase === 'Failed').length;
  const allGood = succeeded === K && checked.wrong === 0 && checked.eventsMissing === 0;
  row(
    `scale ${tag}: ${K} concurrent rollouts (1 s interval, 10 to 50)${WITH_METRICS ? ' with success-rate checks' : ''}`,
    `${succeeded}/${K} Succeeded in ${seconds(rollEnd - firstWrite)}`,
    `goal ${GOAL.rollouts} all Succeeded: ${K >= GOAL.rollouts ? goal(allGood) : `ran ${K}`}; ${failed} Failed, ${K - ended.size} unfinished; end state wrong for ${checked.wrong}, Events missing for ${checked.eventsMissing}; others left Initialized: ${checked.idleUntouched ? 'yes' : 'NO'}; per rollout write -> Succeeded p50 ${seconds(percentile(durations, 50))}, max ${seconds(Math.max(...durations))} (ideal ${STEPS} s); writes spread over ${ms(writesSpread)}; controller CPU ${((rollCpu / ((rollEnd - firstWrite) / 1000)) * 100).toFixed(0)}% of a core meanwhile; controller API writes over the phase / K: ${(rollWrites.total / K).toFixed(1)} (${perRollout}); concurrency ${process.env.SLUICE_CONCURRENCY ?? '16 (default)'}; mean apiserver latency: ${rollApi}; cluster CPU meanwhile: ${rollCluster}; ${loadNote(rollLoad)}`,
    `n=${K}`,
  );
}

async function main(): Promise<void> {
  const cluster = await benchCluster();
  try {
    await waitForNoBenchNamespaces(cluster.client, 600_000);
    // The floor: the same operator with no Canary at all.
    const empty = await startBenchOperator(cluster);
    try {
      await sleep(15_000);
      const load0 = loadavg()[0];
      const cpu0 = empty.cpuSeconds();
      const t0 = Date.now();
      let rssMax = 0;
      let parts = { anon: NaN, file: NaN };
      while (Date.now() - t0 < 60_000) {
        const rss = empty.rssBytes();
        if (rss > rssMax) [rssMax, parts] = [rss, empty.rssParts()];
        await sleep(1000);
      }
      const cpuPct = ((empty.cpuSeconds() - cpu0) / ((Date.now() - t0) / 1000)) * 100;
      row(
        'scale: controller RSS with no Canary (floor)',
        `${(rssMax / 2 ** 20).toFixed(0)} MB`,
        `max of 1 s samples of VmRSS over the minute from 15 s after start (anonymous ${mb(parts.anon)} MB, file-backed ${mb(parts.file)} MB); V8 heap in use ${((await empty.gauge('sluice_nodejs_heap_size_used_bytes')) / 2 ** 20).toFixed(0)} MB; CPU ${cpuPct.toFixed(1)}% of one core; ${loadNote(load0)}; operator: ${empty.label}`,
        'n=1',
      );
    } finally {
      await empty.stop();
    }
    for (const M of SIZES) await round(cluster, M);
    await waitForNoBenchNamespaces(cluster.client, 600_000);
  } finally {
    await removeNodes(cluster.client);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
