// `sluice dashboard`'s web server: the static page modules, Server-Sent Events fed by watches of
// Canaries and Events (one list and watch per kind for every open page, never a poll), and the
// action endpoint. It runs with the user's kubeconfig, so what it shows and what its buttons may
// do is what that user's RBAC allows.
//
// It listens on loopback only and refuses requests whose Host is not a loopback name (a DNS
// rebinding page cannot reach it) and actions that are not JSON from its own origin (another site
// cannot make the browser post one).
import express, { type Request, type Response } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Canary } from '../api/types.js';
import type { ListedEvent } from '../cli/status.js';
import { RESOURCES, startInformer, type KubeClient, type KubeObject, type WatchedCache } from '../kube/index.js';
import { logger } from '../log.js';
import { isAction, runAction } from './actions.js';
import { StatusHistory } from './history.js';
import { openEventStream, type EventStream } from './sse.js';
import { canaryDetail, canaryRows } from './view-model.js';

export interface DashboardOptions {
  readonly client: KubeClient;
  /** Watch this namespace only; undefined watches every namespace (-A). */
  readonly namespace?: string;
  readonly port: number;
  /** Loopback address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Who the action tokens name. */
  readonly user: string;
}

export interface Dashboard {
  readonly url: string;
  stop(): Promise<void>;
}

type CanaryEvent = ListedEvent & KubeObject & { involvedObject?: { kind?: string; name?: string; namespace?: string } };

/** web/dashboard/ of the package: two levels up from both src/dashboard/ and lib/dashboard/. */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dashboard');
const UPLOT_DIST = dirname(createRequire(import.meta.url).resolve('uplot'));

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const log = logger('dashboard');
  const { client, namespace } = options;
  const canaries: WatchedCache<Canary & KubeObject> = startInformer(client, RESOURCES.canaries, { namespace, log });
  const events: WatchedCache<CanaryEvent> = startInformer(client, RESOURCES.events, { namespace, log });
  const history = new StatusHistory();
  const listStreams = new Set<{ stream: EventStream; namespace?: string }>();
  const detailStreams = new Map<string, Set<EventStream>>();
  const owned = new Map<string, { weight?: number; phase?: string; objects: KubeObject[]; error?: string }>();
  const keyOf = (ns: string, name: string) => `${ns}/${name}`;

  const rowsFor = (ns?: string) => ({ rows: canaryRows(canaries.list(ns)), namespaces: [...new Set(canaries.list().map((c) => c.metadata.namespace ?? ''))].sort() });
  const eventsOf = (ns: string, name: string) =>
    events.list(ns).filter((e) => e.involvedObject?.kind === 'Canary' && e.involvedObject.name === name);

  const ownedObjects = async (canary: Canary) => {
    const ns = canary.metadata.namespace ?? '';
    const key = keyOf(ns, canary.metadata.name ?? '');
    const cached = owned.get(key);
    if (cached && cached.weight === canary.status?.canaryWeight && cached.phase === canary.status?.phase) return cached;
    const entry: { weight?: number; phase?: string; objects: KubeObject[]; error?: string } = { weight: canary.status?.canaryWeight, phase: canary.status?.phase, objects: [] };
    try {
      for (const type of [RESOURCES.deployments, RESOURCES.services, RESOURCES.horizontalPodAutoscalers]) {
        const list = await client.list<KubeObject>(type, { namespace: ns });
        entry.objects.push(...list.items.map((o) => ({ ...o, kind: type.kind ?? o.kind })));
      }
    } catch (err) {
      entry.error = `cannot list the generated objects: ${err instanceof Error ? err.message : String(err)}`;
    }
    owned.set(key, entry);
    return entry;
  };

  const pushDetail = (ns: string, name: string) => {
    const streams = detailStreams.get(keyOf(ns, name));
    if (!streams?.size) return;
    const canary = canaries.get(name, ns);
    if (!canary) {
      for (const s of streams) s.push('gone', () => ({ namespace: ns, name }));
      return;
    }
    void ownedObjects(canary).then((objects) => {
      for (const s of streams) s.push('detail', () => ({ ...canaryDetail(canary, eventsOf(ns, name), history.of(ns, name), objects.objects), objectsError: objects.error }));
    });
  };
  const pushLists = () => {
    for (const l of listStreams) l.stream.push('rows', () => rowsFor(l.namespace));
  };

  const onCanary = (canary: Canary) => {
    history.record(canary, Date.now());
    pushLists();
    pushDetail(canary.metadata.namespace ?? '', canary.metadata.name ?? '');
  };
  canaries.onAdd(onCanary);
  canaries.onUpdate(onCanary);
  canaries.onDelete((canary) => {
    const ns = canary.metadata.namespace ?? '';
    const name = canary.metadata.name ?? '';
    history.forget(ns, name);
    owned.delete(keyOf(ns, name));
    pushLists();
    pushDetail(ns, name);
  });
  const onEvent = (e: CanaryEvent) => {
    if (e.involvedObject?.kind === 'Canary' && e.involvedObject.name) pushDetail(e.involvedObject.namespace ?? '', e.involvedObject.name);
  };
  events.onAdd(onEvent);
  events.onUpdate(onEvent);
  await Promise.all([canaries.synced, events.synced]);

  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
      res.status(421).type('text/plain').send('sluice dashboard answers only to localhost');
      return;
    }
    res.set(SECURITY_HEADERS);
    next();
  });
  app.get('/', (_req, res) => res.sendFile(join(WEB_ROOT, 'list.html')));
  app.get('/canary', (_req, res) => res.sendFile(join(WEB_ROOT, 'canary.html')));
  app.get('/favicon.ico', (_req, res) => res.status(204).end());
  app.use('/assets', express.static(WEB_ROOT, { index: false, fallthrough: false }));
  // uPlot straight from the installed package: nothing is fetched from outside the machine.
  app.get('/vendor/uPlot.esm.js', (_req, res) => res.sendFile(join(UPLOT_DIST, 'uPlot.esm.js')));
  app.get('/vendor/uPlot.min.css', (_req, res) => res.sendFile(join(UPLOT_DIST, 'uPlot.min.css')));

  app.get('/api/canaries', (req, res) => {
    const stream = openEventStream(req, res);
    const ns = typeof req.query.namespace === 'string' && req.query.namespace !== '' ? req.query.namespace : undefined;
    const entry = { stream, namespace: ns };
    listStreams.add(entry);
    stream.onClose(() => listStreams.delete(entry));
    stream.push('scope', () => ({ namespace: namespace ?? null }));
    stream.push('rows', () => rowsFor(ns));
  });

  app.get('/api/canary', (req: Request, res: Response) => {
    const ns = String(req.query.namespace ?? '');
    const name = String(req.query.name ?? '');
    if (!ns || !name) {
      res.status(400).json({ message: 'namespace and name are required' });
      return;
    }
    const stream = openEventStream(req, res);
    const key = keyOf(ns, name);
    let set = detailStreams.get(key);
    if (!set) detailStreams.set(key, (set = new Set()));
    set.add(stream);
    stream.onClose(() => {
      set.delete(stream);
      if (set.size === 0) detailStreams.delete(key);
    });
    pushDetail(ns, name);
  });

  app.post('/api/canary/action', express.json({ limit: '4kb', strict: true }), async (req, res) => {
    // A cross-site form cannot send JSON without a CORS preflight, which is never answered; an
    // Origin, when the browser sends one, must be this server's.
    const origin = req.headers.origin;
    if (!req.is('application/json') || (origin !== undefined && origin !== `http://${req.headers.host}`)) {
      res.status(403).json({ message: 'actions are taken only from the dashboard page itself' });
      return;
    }
    const { namespace: ns, name, verb } = (req.body ?? {}) as { namespace?: unknown; name?: unknown; verb?: unknown };
    if (typeof ns !== 'string' || typeof name !== 'string' || typeof verb !== 'string' || !isAction(verb)) {
      res.status(400).json({ message: 'expected {namespace, name, verb} with verb one of promote, abort, retry, pause, resume' });
      return;
    }
    if (namespace !== undefined && ns !== namespace) {
      res.status(404).json({ message: `this dashboard watches namespace ${namespace} only` });
      return;
    }
    const result = await runAction(client, verb, ns, name, options.user);
    log.info({ verb, namespace: ns, name, status: result.status }, result.message);
    res.status(result.status).json({ message: result.message });
  });

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([canaries.stop(), events.stop()]);
    },
  };
}
