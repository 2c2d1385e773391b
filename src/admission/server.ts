// The admission HTTPS server: express routes around the pure handlers. Every request is either
// a well-formed AdmissionReview answered with its uid echoed, or refused with an HTTP status and
// the reason (refusals.ts: 400 malformed, 408 too slow, 413 too large, 415 not JSON, 429 busy); a
// handler bug answers 500 and the webhook's failurePolicy decides, the process never goes down
// with it. The port answers anyone who can reach it, so what one caller can cost is bounded: a
// deadline per request, a connection limit, and a budget for the bodies held at once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import { capMessage } from '../api/message.js';
import { logger, type Logger } from '../log.js';
import { BodyBudget, reserveBody } from './body-budget.js';
import type { CanaryLookup } from './canary-lookup.js';
import { createCertificateAuthority, issueServingCertificate, serviceDnsNames, type CertificateAuthority, type LeafRequest } from './certificates.js';
import { needsRenewal, startRenewalLoop } from './certificate-rotation.js';
import { guardOwnedObject } from './guard-owned.js';
import { observeAdmission, UNKNOWN_ROUTE, type AdmissionOutcome } from './metrics.js';
import { mutateDeployment } from './mutate-deployment.js';
import { WEBHOOK_PATHS } from './paths.js';
import { bodyErrorReason, clientErrorAnswer, contentTypeProblem, rawStatusResponse, refusal, statusBody, statusReason } from './refusals.js';
import { allow, jsonTextNestsDeeperThan, MAX_REVIEW_DEPTH, parseAdmissionReview, type AdmissionReview, type AdmissionVerdict } from './review.js';
import { validateFlaggerObject } from './validate-flagger.js';

export { WEBHOOK_PATHS };

/**
 * Largest accepted body. A review carries object and oldObject, each up to etcd's 1.5 MiB
 * request limit, JSON-escaped, plus the envelope: 4 MiB holds the largest real review and
 * nothing much bigger. Above it the answer is 413 with the reason.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** Request bodies held at once, across connections: eight of the largest. */
export const DEFAULT_BODY_BUDGET_BYTES = 8 * DEFAULT_BODY_LIMIT_BYTES;

/** The apiserver gives up on a webhook after its timeoutSeconds (2-5 s here): no request needs longer. */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;

/** Far above what the apiservers open (one connection per review in flight), and a bound on their cost. */
export const DEFAULT_MAX_CONNECTIONS = 256;

/** Node's limit on a request head (--max-http-header-size), for the 431 message. */
const MAX_HEADER_BYTES = 16 * 1024;

/** Where the in-cluster Service is, for the DNS names of a self-made certificate. */
export const DEFAULT_SERVICE = { namespace: 'sluice-system', name: 'sluice' } as const;

export interface AdmissionServerOptions {
  /** 0 picks a free port; the one chosen is returned. */
  readonly port: number;
  /** Default: 0.0.0.0 inside a cluster (the Service must reach it), 127.0.0.1 outside. */
  readonly host?: string;
  /** A mounted certificate (PEM); without it Sluice makes a CA and a serving certificate. */
  readonly tls?: { readonly cert: string; readonly key: string; /** CA of cert, for the caBundle; default cert itself. */ readonly ca?: string };
  readonly canaries: CanaryLookup;
  /**
   * The operator's authenticated username (selfSubjectUsername at start-up): only its writes
   * pass the owned-object guard and the hold at zero. Unset, no write is exempt as Sluice's.
   */
  readonly operatorUsername: string | undefined;
  /** Deny direct edits of objects a Canary owns (/validate/owned); default true. */
  readonly ownedObjectGuard?: boolean;
  /**
   * Lifetimes and check interval of the self-made certificate (no `tls`): its serving
   * certificate is renewed from the same CA before it expires. Defaults: 1 y leaf, hourly check.
   */
  readonly selfMade?: { readonly leafValidityMs?: number; readonly checkIntervalMs?: number; readonly keyBits?: number };
  /** The Service whose DNS names a self-made certificate carries; default sluice-system/sluice. */
  readonly service?: { readonly namespace: string; readonly name: string };
  /** The operator's default provider for Canary validation. */
  readonly defaultProvider?: string;
  readonly bodyLimitBytes?: number;
  /** Request-body bytes held at once across all requests (body-budget.ts); past it, 429. */
  readonly bodyBudgetBytes?: number;
  /**
   * Time for a whole request to arrive: the TLS handshake, then head and body. A slower client
   * (one dripping a byte a second) gets 408 and is disconnected.
   */
  readonly requestDeadlineMs?: number;
  /** Connections open at once; past it new ones are dropped (the webhooks fail open). */
  readonly maxConnections?: number;
  /** Called with each well-formed review and the verdict (recording, tests). */
  readonly onReview?: (path: string, review: AdmissionReview, verdict: AdmissionVerdict) => void;
  /** Time to let in-flight reviews finish on close; default 5 s. */
  readonly shutdownGraceMs?: number;
  readonly log?: Logger;
}

export interface AdmissionServer {
  readonly port: number;
  /** PEM of the CA that verifies the serving certificate: goes (base64) into caBundle. */
  readonly caBundle: string;
  /** Request-body bytes held now, and the most ever held at once (the budget's use). */
  bodyBytes(): { readonly held: number; readonly peak: number };
  /** Serves a new certificate from the next TLS handshake on (a rotated mounted Secret). */
  setCertificate(tls: { readonly cert: string; readonly key: string }): void;
  /** Stops accepting, lets in-flight reviews finish (up to the grace time), then closes. */
  close(): Promise<void>;
}

type Handler = (review: AdmissionReview) => AdmissionVerdict;

export async function startAdmissionServer(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const log = options.log ?? logger('admission');
  const inCluster = Boolean(process.env.KUBERNETES_SERVICE_HOST);
  const host = options.host ?? (inCluster ? '0.0.0.0' : '127.0.0.1');
  const selfMade = options.tls ? undefined : selfMadeTls(options.service ?? DEFAULT_SERVICE, options.selfMade ?? {});
  const tls = options.tls
    ? { cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca ?? options.tls.cert }
    : { ...selfMade!.issue(), ca: selfMade!.authority.cert };
  let closing = false;
  const bodyBudget = new BodyBudget(options.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET_BYTES);

  const app = buildAdmissionApp({
    handlers: handlersOf(options),
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    bodyBudget,
    ready: () => !closing,
    onReview: options.onReview,
    log,
  });

  const server = boundedServer(app, tls, options, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host, port, selfSigned: !options.tls }, `admission webhooks listening on https://${host}:${port}`);

  const setCertificate = (next: { readonly cert: string; readonly key: string }) => {
    server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
    log.info({ port }, 'serving certificate reloaded');
  };
  const stopRenewal = selfMade ? renewSelfMade(selfMade, tls.cert, setCertificate, options.selfMade?.checkIntervalMs, log) : undefined;

  return {
    port,
    caBundle: tls.ca,
    bodyBytes: () => ({ held: bodyBudget.heldBytes, peak: bodyBudget.peakBytes }),
    setCertificate,
    async close() {
      if (closing) return;
      closing = true;
      stopRenewal?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 5000);
      grace.unref();
      await closed;
      clearTimeout(grace);
      log.info({ port }, 'admission webhooks stopped');
    },
  };
}

/** The review handler of each webhook path. */
function handlersOf(options: AdmissionServerOptions): Record<string, Handler> {
  return {
    [WEBHOOK_PATHS.mutateDeployments]: (review) => mutateDeployment(review, options.canaries, { operatorUsername: options.operatorUsername }),
    [WEBHOOK_PATHS.validateFlagger]: (review) => validateFlaggerObject(review, { defaultProvider: options.defaultProvider }),
    [WEBHOOK_PATHS.validateOwned]:
      options.ownedObjectGuard === false
        ? (review) => allow(review.request, 'owned-object guard is off')
        : (review) => guardOwnedObject(review, { operatorUsername: options.operatorUsername }),
  };
}

/** The HTTPS server around the app, not yet listening, with the deadline and connection limit that bound one caller's cost. */
function boundedServer(app: express.Express, tls: { readonly cert: string; readonly key: string }, options: AdmissionServerOptions, log: Logger): Server {
  const deadlineMs = options.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS;
  const server: Server = createServer(
    {
      cert: tls.cert,
      key: tls.key,
      minVersion: 'TLSv1.2',
      handshakeTimeout: deadlineMs,
      headersTimeout: deadlineMs,
      requestTimeout: deadlineMs,
      // Node looks for requests past their deadline every 30 s by default: a 10 s deadline held a slow client 30 s.
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(deadlineMs / 10))),
      // A request without Host reaches the routes and gets a Status like any other, not a bare 400.
      requireHostHeader: false,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    app,
  );
  server.keepAliveTimeout = 30_000;
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  answerClientErrors(server, deadlineMs, log);
  return server;
}

/**
 * The self-made CA lives only in memory: renew the serving certificate from it before it
 * expires, so the caBundle keeps verifying it. Returns what stops the renewal.
 */
function renewSelfMade(
  selfMade: ReturnType<typeof selfMadeTls>,
  servingCert: string,
  setCertificate: (next: { readonly cert: string; readonly key: string }) => void,
  intervalMs: number | undefined,
  log: Logger,
): () => void {
  let current = servingCert;
  return startRenewalLoop(
    () => {
      if (!needsRenewal(current, new Date())) return;
      const next = selfMade.issue();
      setCertificate(next);
      current = next.cert;
    },
    { intervalMs, log },
  );
}

function selfMadeTls(
  service: { namespace: string; name: string },
  options: NonNullable<AdmissionServerOptions['selfMade']>,
): { authority: CertificateAuthority; issue(): { cert: string; key: string } } {
  const authority = createCertificateAuthority({ keyBits: options.keyBits });
  const request: LeafRequest = {
    dnsNames: ['localhost', ...serviceDnsNames(service)],
    ipAddresses: ['127.0.0.1'],
    validityMs: options.leafValidityMs,
    keyBits: options.keyBits,
  };
  return { authority, issue: () => issueServingCertificate(authority, { ...request, now: new Date() }) };
}

export interface AdmissionAppOptions {
  readonly handlers: Record<string, Handler>;
  readonly bodyLimitBytes: number;
  readonly bodyBudget: BodyBudget;
  readonly ready: () => boolean;
  readonly onReview?: AdmissionServerOptions['onReview'];
  readonly log: Logger;
}

/** The express app alone (no TLS, no listening), so it can be exercised over plain HTTP too. */
export function buildAdmissionApp(options: AdmissionAppOptions): express.Express {
  const { log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    if (options.ready()) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send('shutting down');
  });

  // The apiserver sends application/json in UTF-8, uncompressed: anything else is refused (415)
  // before a byte of the body is read, and the byte scan below may read the text as UTF-8.
  const jsonOnly = (req: Request, _res: Response, next: NextFunction) => {
    const problem = contentTypeProblem(req.headers['content-type']);
    next(problem ? refusal(415, 'content.type', problem) : undefined);
  };
  const parse = express.json({
    limit: options.bodyLimitBytes,
    strict: true,
    inflate: false,
    type: () => true, // jsonOnly has checked it
    // Before JSON.parse builds it: a body nested thousands deep costs seconds to build.
    verify: (_req, _res, bytes) => {
      if (jsonTextNestsDeeperThan(bytes, MAX_REVIEW_DEPTH))
        throw refusal(400, 'entity.too.deep', `malformed AdmissionReview: nested deeper than ${MAX_REVIEW_DEPTH} levels`);
    },
  });
  // Refused at once; Node reads off the unread body after the answer, keeping none of it.
  const reserve = (req: Request, res: Response, next: NextFunction) => next(reserveBody(options.bodyBudget, options.bodyLimitBytes, req, res));

  for (const [path, handler] of Object.entries(options.handlers)) {
    // The route, not req.path (any case, a trailing slash), labels the metric: callers choose paths.
    const route = (_req: Request, res: Response, next: NextFunction) => {
      res.locals.route = path;
      next();
    };
    app.post(path, route, jsonOnly, reserve, parse, answerReview(path, handler, options));
  }

  app.use((req: Request, res: Response) => {
    res.status(404).json(statusBody(404, 'NotFound', `no webhook at ${req.method} ${req.path}`));
  });

  // express 5 sends body-parser errors (and any thrown error) here, with their HTTP status.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; statusCode?: number; type?: string; message?: string; limit?: number; length?: number };
    const status = e.status ?? e.statusCode ?? 500;
    const reason = capMessage(bodyErrorReason(e, options.bodyLimitBytes));
    const route = typeof res.locals.route === 'string' ? res.locals.route : UNKNOWN_ROUTE;
    if (status >= 500) log.error({ route, err: e.message }, reason);
    else log.warn({ route, status }, reason);
    observeAdmission(route, status >= 500 ? 'error' : 'bad_request', 0);
    if (res.headersSent) return;
    if (status === 429) res.set('retry-after', '1');
    res.status(status).json(statusBody(status, statusReason(status), reason));
  });

  return app;
}

/** The last step of a webhook's route: the parsed body checked as a review, the handler's verdict written, counted and logged. */
function answerReview(path: string, handler: Handler, options: AdmissionAppOptions): (req: Request, res: Response) => void {
  const { log } = options;
  return (req, res) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const parsed = parseAdmissionReview(req.body);
    if (!parsed.ok) {
      log.warn({ path, reason: parsed.reason }, capMessage(`refused a malformed AdmissionReview: ${parsed.reason}`));
      observeAdmission(path, 'bad_request', seconds());
      res.status(400).json(statusBody(400, 'BadRequest', `malformed AdmissionReview: ${parsed.reason}`));
      return;
    }
    let verdict: AdmissionVerdict;
    try {
      verdict = handler(parsed.review);
    } catch (err) {
      const message = capMessage(err instanceof Error ? err.message : String(err));
      log.error({ path, uid: parsed.review.request.uid, err }, `admission handler failed: ${message}`);
      observeAdmission(path, 'error', seconds());
      res.status(500).json(statusBody(500, 'InternalError', `admission handler failed: ${message}`));
      return;
    }
    // Written directly: res.json's extra machinery (ETag, charset sniffing) is measurable at 1,000 req/s.
    const payload = JSON.stringify(verdict.review);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
    const outcome: AdmissionOutcome = !verdict.review.response.allowed ? 'denied' : verdict.review.response.patch ? 'patched' : 'allowed';
    observeAdmission(path, outcome, seconds());
    const request = parsed.review.request;
    const fields = { path, uid: request.uid, outcome, user: request.userInfo.username, namespace: request.namespace, name: request.name };
    if (outcome === 'allowed') log.debug(fields, capMessage(verdict.note));
    else log.info(fields, capMessage(verdict.note));
    options.onReview?.(path, parsed.review, verdict);
  };
}

/**
 * A request the HTTP parser refused, or one past its deadline, never reaches a route: answer it
 * here with a Status that says why (Node's own is a bare status line), then disconnect.
 */
function answerClientErrors(server: Server, deadlineMs: number, log: Logger): void {
  // The response a connection is writing, if any: a refusal must not cut into it.
  const writing = new WeakMap<Socket, ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    writing.set(req.socket, res);
    res.once('close', () => {
      if (writing.get(req.socket) === res) writing.delete(req.socket);
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const answer = clientErrorAnswer(err, deadlineMs, MAX_HEADER_BYTES);
    if (answer && socket.writable && !writing.get(socket as Socket)?.headersSent) {
      log.warn({ code: err.code, status: answer.code }, answer.message);
      observeAdmission(UNKNOWN_ROUTE, 'bad_request', 0);
      socket.write(rawStatusResponse(answer.code, answer.message));
    }
    socket.destroy();
  });
}
