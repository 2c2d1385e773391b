// The dashboard's web server: the static page modules, Server-Sent Events from the watches
// (feed.ts: one watch per kind, shared by every open page, never a poll), and the action endpoint.
// `sluice dashboard` runs it with the user's kubeconfig, so what it shows and what its buttons may
// do is what that user's RBAC allows. The operator runs it read-only (SLUICE_DASHBOARD_PORT) with
// its own ServiceAccount: the page has no buttons and the action endpoint refuses every request,
// since anyone who reaches the port would act with the operator's rights.
//
// It refuses requests whose Host is not a loopback name (a DNS rebinding page cannot reach it)
// and actions that are not JSON from its own origin (another site cannot make the browser post one).
import express, { type Request, type Response } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { KubeClient } from '../kube/index.js';
import { logger } from '../log.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { isAction, runAction } from './actions.js';
import { CanaryFeed } from './feed.js';
import { openEventStream } from './sse.js';

export interface DashboardOptions {
  readonly client: KubeClient;
  /** Watch this namespace only; undefined watches every namespace (-A). */
  readonly namespace?: string;
  readonly port: number;
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Who the action tokens name. */
  readonly user: string;
  /** No actions: the page shows no buttons and POST /api/canary/action answers 405. */
  readonly readOnly?: boolean;
  /** Provider of Canaries without spec.provider (the operator's -mesh-provider), to name their routing objects. */
  readonly defaultProvider?: string;
  /** Who the page reads as, when a watch is refused: "the operator's ServiceAccount", "your Kubernetes user". */
  readonly reader: string;
  /** How that reader is granted the list and watch of Events, said in the log and on the page when they are refused. */
  readonly eventsGrant: string;
}

export interface Dashboard {
  readonly url: string;
  stop(): Promise<void>;
}

/** web/dashboard/ of the package. */
export const WEB_ROOT = join(PACKAGE_ROOT, 'web', 'dashboard');
const UPLOT_DIST = dirname(createRequire(import.meta.url).resolve('uplot'));

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Listens once the watches have listed what exists. `abort` gives up the start (and stops the
 * watches): a watch that never lists would otherwise hold a shutdown for ever.
 */
export async function startDashboard(options: DashboardOptions, abort?: AbortSignal): Promise<Dashboard> {
  const { client, namespace, defaultProvider, reader, eventsGrant } = options;
  const feed = await CanaryFeed.open(client, namespace, logger('dashboard'), { ...(defaultProvider ? { defaultProvider } : {}), reader, eventsGrant });
  let server: Server;
  try {
    await unlessAborted(feed.synced, abort);
    server = createServer(dashboardApp(feed, options));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await feed.stop();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await feed.stop();
    },
  };
}

/** Resolves as `promise` does, or rejects with the abort's reason once `abort` fires first. */
function unlessAborted<T>(promise: Promise<T>, abort: AbortSignal | undefined): Promise<T> {
  if (!abort) return promise;
  if (abort.aborted) return Promise.reject(abort.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abort.reason);
    abort.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => abort.removeEventListener('abort', onAbort));
  });
}

/** The routes: pages and their modules, uPlot, the two event streams and the action endpoint. */
function dashboardApp(feed: CanaryFeed, options: DashboardOptions): express.Express {
  const log = logger('dashboard');
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

  const readOnly = options.readOnly === true;
  app.get('/api/canaries', (req, res) => {
    const ns = typeof req.query.namespace === 'string' && req.query.namespace !== '' ? req.query.namespace : undefined;
    feed.subscribeList(openEventStream(req, res), ns, readOnly);
  });
  app.get('/api/canary', (req: Request, res: Response) => {
    const ns = String(req.query.namespace ?? '');
    const name = String(req.query.name ?? '');
    if (!ns || !name) {
      res.status(400).json({ message: 'namespace and name are required' });
      return;
    }
    feed.subscribeDetail(openEventStream(req, res), ns, name, readOnly);
  });

  if (readOnly) {
    app.post('/api/canary/action', (_req, res) => {
      res.status(405).set('Allow', 'GET').json({ message: 'this dashboard is read-only: act with `sluice dashboard` or the sluice CLI, as yourself' });
    });
    return app;
  }

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
    if (feed.namespace !== undefined && ns !== feed.namespace) {
      res.status(404).json({ message: `this dashboard watches namespace ${feed.namespace} only` });
      return;
    }
    const result = await runAction(options.client, verb, ns, name, options.user);
    log.info({ verb, namespace: ns, name, status: result.status }, result.message);
    res.status(result.status).json({ message: result.message });
  });
  return app;
}
