// Helpers for unit tests that serve a scripted apiserver from a plain node:http server (watch
// streams included, which the request/answer fake in fake-apiserver.ts cannot hold open).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** Resolves once `check` holds; fails after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A kubeconfig pointing at a listening local server. */
export function kubeConfigFor(server: Server): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'f', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'f', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

/** What a SelfSubjectAccessReview asks (spec.resourceAttributes). */
export interface ReviewedAccess {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace: string;
}

/** An answer of the scripted apiserver: a status and a JSON body. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface ListingApiserver {
  readonly server: Server;
  /** Every request, e.g. "GET /api/v1/events", "WATCH /api/v1/events", "REVIEW list events ns=test". */
  readonly seen: string[];
  close(): Promise<void>;
}

/** A SelfSubjectAccessReview's answer: allowed or not, with a reason. */
export const reviewAnswer = (allowed: boolean, reason = ''): ScriptedAnswer => ({
  status: 201,
  body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', status: { allowed, ...(reason ? { reason } : {}) } },
});

/** A list of `items` (empty by default), as the apiserver sends one. */
export const listAnswer = (items: unknown[] = []): ScriptedAnswer => ({
  status: 200,
  body: { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items },
});

/** The apiserver's refusal of a request RBAC does not allow. */
export const forbidden = (what: string): ScriptedAnswer => ({
  status: 403,
  body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 403, reason: 'Forbidden', message: `${what} is forbidden` },
});

/**
 * An apiserver that answers access reviews with `review`, lists (GET without watch=true) with
 * `list`, and holds every watch it is not told to refuse (`watch`) open and silent until close().
 */
export async function startListingApiserver(script: {
  review: (access: ReviewedAccess) => ScriptedAnswer;
  list: (path: string) => ScriptedAnswer;
  watch?: (path: string) => ScriptedAnswer | undefined;
}): Promise<ListingApiserver> {
  const seen: string[] = [];
  const open = new Set<ServerResponse>();
  const answer = (res: ServerResponse, { status, body }: ScriptedAnswer) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      let text = '';
      for await (const chunk of req) text += chunk;
      const access = JSON.parse(text).spec.resourceAttributes as ReviewedAccess;
      seen.push(`REVIEW ${access.verb} ${access.group ? `${access.resource}.${access.group}` : access.resource} ns=${access.namespace}`);
      answer(res, script.review(access));
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      seen.push(`WATCH ${url.pathname}`);
      const refusal = script.watch?.(url.pathname);
      if (refusal) return answer(res, refusal);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      open.add(res);
      res.on('close', () => open.delete(res));
      return;
    }
    seen.push(`${req.method} ${url.pathname}`);
    answer(res, req.method === 'GET' ? script.list(url.pathname) : { status: 405, body: { kind: 'Status', code: 405 } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    seen,
    close: async () => {
      for (const res of open) res.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
