// The traffic generator process (started by test/cluster/up.sh): watches the routing objects, the
// Services, Pods and Canaries of the cluster in KUBECONFIG, simulates requests through them and serves
// the resulting provider metrics on /metrics for Prometheus. See README.md in this folder.
import http from 'node:http';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, makeInformer, NetworkingV1Api } from '@kubernetes/client-node';
import { ClusterView } from './endpoints.js';
import { Metrics } from './metrics.js';
import { canary, observers } from './observers/index.js';
import { CANARY } from './observers/canary.js';
import { Simulator } from './simulator.js';
import { DEPLOYMENTS, KSERVICE } from './knative.js';
import { KnativeController } from './knative-controller.js';
import { resourceKey, type KObj, type Resource, type SimRoute } from './types.js';

const envNum = (k: string, d: number) =>
  process.env[k] !== undefined && process.env[k] !== '' && Number.isFinite(Number(process.env[k])) ? Number(process.env[k]) : d;
const cfg = {
  rps: envNum('SLUICE_SIM_RPS', 20),
  directRps: envNum('SLUICE_SIM_DIRECT_RPS', 5),
  matchShare: envNum('SLUICE_SIM_MATCH_SHARE', 0.5),
  jitter: envNum('SLUICE_SIM_JITTER', 0.2),
  tickMs: envNum('SLUICE_SIM_TICK_MS', 100),
  meshProvider: process.env.SLUICE_SIM_MESH_PROVIDER || 'istio',
  port: envNum('SLUICE_TRAFFIC_PORT', 16091),
  host: process.env.SLUICE_TRAFFIC_HOST || '127.0.0.1',
};
const log = (...a: unknown[]) => console.log(new Date().toISOString(), ...a);

const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const net = kc.makeApiClient(NetworkingV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const apps = kc.makeApiClient(AppsV1Api);

type Store = { list(): KObj[]; ok: boolean };
const PODS: Resource = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const SERVICES: Resource = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };

function listFn(r: Resource): () => Promise<any> {
  if (r.group === '' && r.plural === 'pods') return () => core.listPodForAllNamespaces();
  if (r.group === '' && r.plural === 'services') return () => core.listServiceForAllNamespaces();
  if (r.group === 'networking.k8s.io' && r.plural === 'ingresses') return () => net.listIngressForAllNamespaces();
  if (r.group === 'apps' && r.plural === 'deployments') return () => apps.listDeploymentForAllNamespaces();
  return () => custom.listClusterCustomObject({ group: r.group, version: r.version, plural: r.plural });
}

/** A list+watch cache that restarts itself (a missing CRD is retried until it appears). */
function watch(r: Resource): Store {
  const path = r.group === '' ? `/api/${r.version}/${r.plural}` : `/apis/${r.group}/${r.version}/${r.plural}`;
  const inf = makeInformer<any>(kc, path, listFn(r));
  const store = { ok: false, list: () => inf.list() as KObj[] };
  let lastErr = '';
  inf.on('connect', () => {
    store.ok = true;
  });
  inf.on('error', (err: any) => {
    store.ok = false;
    const msg = String(err?.code ?? err?.statusCode ?? err?.message ?? err);
    if (msg !== lastErr) {
      log(`watch ${path}: ${msg}; retrying every 3s`);
      lastErr = msg;
    }
    setTimeout(() => {
      inf.start().catch(() => undefined);
    }, 3000);
  });
  inf.start().catch(() => undefined);
  return store;
}

const stores = new Map<string, Store>();
for (const r of [PODS, SERVICES, CANARY, DEPLOYMENTS, ...observers.flatMap((o) => o.resources)]) {
  if (!stores.has(resourceKey(r))) stores.set(resourceKey(r), watch(r));
}
canary.options = { directRps: cfg.directRps, defaultProvider: cfg.meshProvider };

const metrics = new Metrics();
const sim = new Simulator(metrics, { matchShare: cfg.matchShare, jitter: cfg.jitter });

function currentRoutes(): { routes: SimRoute[]; view: ClusterView } {
  const objects = new Map<string, KObj[]>();
  for (const [k, s] of stores) objects.set(k, s.list());
  const canaries = objects.get(resourceKey(CANARY)) ?? [];
  const routes: SimRoute[] = [];
  for (const o of observers) {
    try {
      routes.push(...o.routes({ objects, canaries, rps: cfg.rps }));
    } catch (e) {
      log(`observer ${o.name} failed:`, e);
    }
  }
  const view = new ClusterView(objects.get(resourceKey(SERVICES)) ?? [], objects.get(resourceKey(PODS)) ?? []);
  return { routes, view };
}

let lastSummary = '';
function summarize(routes: SimRoute[]): string {
  return routes
    .map(
      (r) =>
        `${r.key} [${r.families.join(',') || 'app only'}] ` +
        r.rules.map((ru) => `${ru.matches.length ? 'match ' : ''}${ru.backends.map((b) => `${b.service}=${b.weight}`).join('/')}`).join(' | '),
    )
    .sort()
    .join('\n  ');
}

let last = Date.now();
setInterval(() => {
  const now = Date.now();
  const dt = Math.min(1, (now - last) / 1000);
  last = now;
  const { routes, view } = currentRoutes();
  const s = summarize(routes);
  if (s !== lastSummary) {
    log(`routes (${routes.length}):\n  ${s || '(none)'}`);
    lastSummary = s;
  }
  sim.tick(routes, view, dt);
}, cfg.tickMs);
setInterval(() => metrics.prune(10 * 60_000), 60_000);

// No Knative runs here: this plays its controller for every Knative Service (knative.ts).
const knativeController = new KnativeController(kc, log);
setInterval(() => {
  const services = stores.get(resourceKey(KSERVICE))?.list() ?? [];
  if (services.length) void knativeController.pass(services, stores.get(resourceKey(DEPLOYMENTS))?.list() ?? []);
}, 500);

const server = http.createServer(async (req, res) => {
  try {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    } else if (req.url === '/debug/routes') {
      const { routes, view } = currentRoutes();
      const body = routes.map((r) => ({
        ...r,
        rules: r.rules.map((ru) => ({
          ...ru,
          backends: ru.backends.map((b) => ({ ...b, endpoints: b.service ? view.endpoints(b.namespace, b.service) : [] })),
        })),
      }));
      const watches = Object.fromEntries([...stores].map(([k, s]) => [k, s.ok]));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ config: cfg, watches, routes: body }, null, 2));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('sluice traffic generator: /metrics /healthz /debug/routes\n');
    }
  } catch (e) {
    res.writeHead(500);
    res.end(String(e));
  }
});
server.listen(cfg.port, cfg.host, () =>
  log(`sluice traffic generator on http://${cfg.host}:${cfg.port} (rps ${cfg.rps}/route, direct ${cfg.directRps}/s, match share ${cfg.matchShare})`),
);
// Keep simulating through transient API errors rather than dying (cluster:up would then restart
// the whole cluster).
process.on('unhandledRejection', (e) => log('unhandled rejection:', e));
process.on('uncaughtException', (e) => log('uncaught exception:', e));
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
