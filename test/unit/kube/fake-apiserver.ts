// A scripted stand-in for the apiserver over plain HTTP on loopback: records every request and
// answers from a routing function, so the client's paths, headers and error handling are tested
// without a cluster.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  authorization?: string;
  body?: any;
}
export interface Answer {
  status: number;
  body?: unknown;
}

export interface FakeApiserver {
  readonly url: string;
  readonly seen: SeenRequest[];
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

export async function startFakeApiserver(route: (req: SeenRequest) => Answer): Promise<FakeApiserver> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const text = Buffer.concat(chunks).toString('utf8');
    const request: SeenRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    };
    seen.push(request);
    const answer = route(request);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'me', token: 'secret-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'me' }],
        currentContext: 'fake',
      });
      return kc;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
