// The one place Sluice sends HTTP to the apiserver. It returns a typed result that keeps the
// real status code instead of throwing, so each caller picks its own failure policy (as in
// kubernetes-fluent-client's fetch). Authentication, TLS and proxies come from client-node's
// KubeConfig; bodies are plain JSON, never client-node's model classes, so no field is dropped.
// Deep imports: the package's index loads every generated API model (see bin/client-node-slim.mjs).
import { RequestContext, type HttpMethod } from '@kubernetes/client-node/dist/gen/http/http.js';
import { IsomorphicFetchHttpLibrary } from '@kubernetes/client-node/dist/gen/http/isomorphic-fetch.js';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { Counter } from 'prom-client';
import { KubeError, errorFromFailure, errorFromResponse } from './errors.js';

export interface KubeRequest {
  readonly method: HttpMethod;
  /** Path below the server URL, e.g. "/apis/apps/v1/namespaces/x/deployments". */
  readonly path: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  /** Defaults to application/json when there is a body. */
  readonly contentType?: string;
  /** Milliseconds; default 30 s. */
  readonly timeoutMs?: number;
}

export type KubeResult<T> =
  { readonly ok: true; readonly status: number; readonly data: T } | { readonly ok: false; readonly status: number; readonly error: KubeError };

export const DEFAULT_TIMEOUT_MS = 30_000;
/** How long one connection pool is reused before TLS material is read afresh (rotated client certs). */
export const DISPATCHER_MAX_AGE_MS = 10 * 60_000;

/**
 * Every request this process sent to the apiserver (watches excepted: client-node opens those),
 * as apiserver_request_total counts them: verb GET/LIST/POST/PUT/PATCH/APPLY/DELETE, resource
 * "<plural>[/<subresource>]" ("discovery" for group-version lists), code the HTTP status (0: no
 * answer). In no registry by itself; the operator adds it to the one /metrics serves.
 */
export const kubeRequests = new Counter({
  name: 'sluice_kube_requests_total',
  help: 'Requests sent to the Kubernetes API server, by verb, resource and status code',
  labelNames: ['verb', 'resource', 'code'] as const,
  registers: [],
});

/** The verb and resource labels of a request, e.g. PATCH .../deployments/x/status -> PATCH, deployments/status. */
export function requestLabels(request: Pick<KubeRequest, 'method' | 'path' | 'contentType'>): { verb: string; resource: string } {
  const segments = request.path.split('?')[0].split('/').filter(Boolean);
  // /api/v1/... or /apis/<group>/<version>/...
  let rest = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const resource = rest.length === 0 ? 'discovery' : rest[2] ? `${rest[0]}/${rest[2]}` : rest[0];
  let verb: string = request.method;
  if (verb === 'GET' && rest.length === 1) verb = 'LIST';
  if (verb === 'PATCH' && request.contentType === 'application/apply-patch+yaml') verb = 'APPLY';
  return { verb, resource };
}

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export class KubeTransport {
  private readonly http = new IsomorphicFetchHttpLibrary();
  // client-node builds a new connection pool for every request, so every call paid a TLS
  // handshake (about 15 ms against 4 ms on a loopback apiserver). Reuse one pool; credentials
  // (tokens) are still applied to each request.
  private dispatcher: { pool: Dispatcher; createdAt: number } | undefined;

  constructor(readonly kubeConfig: KubeConfig) {}

  /** The URL of a request, query included. */
  urlOf(request: KubeRequest): string {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('kubeconfig has no current cluster');
    const url = new URL(server.replace(/\/+$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private reuseConnections(ctx: RequestContext): void {
    const fresh = ctx.getDispatcher();
    if (!fresh) return;
    const now = Date.now();
    if (!this.dispatcher || now - this.dispatcher.createdAt > DISPATCHER_MAX_AGE_MS) {
      const old = this.dispatcher?.pool;
      this.dispatcher = { pool: fresh, createdAt: now };
      // Let requests still using the old pool finish, then release its sockets.
      if (old) void old.close().catch(() => undefined);
      return;
    }
    if (fresh !== this.dispatcher.pool) void fresh.close().catch(() => undefined);
    ctx.setDispatcher(this.dispatcher.pool);
  }

  async send<T>(request: KubeRequest): Promise<KubeResult<T>> {
    const label = `${request.method} ${request.path}`;
    let status = 0;
    let text: string;
    const counted = requestLabels(request);
    try {
      const ctx = new RequestContext(this.urlOf(request), request.method);
      ctx.setHeaderParam('Accept', 'application/json');
      if (request.body !== undefined) {
        ctx.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
        ctx.setBody(typeof request.body === 'string' ? request.body : JSON.stringify(request.body));
      }
      ctx.setSignal(AbortSignal.timeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS));
      await this.kubeConfig.applySecurityAuthentication(ctx);
      this.reuseConnections(ctx);
      const response = await this.http.send(ctx).toPromise();
      status = response.httpStatusCode;
      kubeRequests.inc({ ...counted, code: String(status) });
      text = await response.body.text();
    } catch (cause) {
      if (status === 0) kubeRequests.inc({ ...counted, code: '0' });
      return { ok: false, status: 0, error: errorFromFailure(cause, label) };
    }
    if (status < 200 || status > 299) return { ok: false, status, error: errorFromResponse(status, text, label) };
    try {
      return { ok: true, status, data: (text ? JSON.parse(text) : undefined) as T };
    } catch {
      return { ok: false, status, error: new KubeError(status, 'InvalidResponse', `${label}: response is not JSON`, label) };
    }
  }
}
