// selfSubjectUsername against a local HTTP server standing in for the apiserver's
// authentication.k8s.io/v1 selfsubjectreviews endpoint (the answer shape of kube-apiserver 1.36).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { selfSubjectUsername } from '../../../src/admission/self-subject.js';

function kubeConfigFor(server: Server): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'operator-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function serve(answer: (method: string, url: string, body: any, auth?: string) => { status: number; body: unknown }): Promise<Server> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const { status, body } = answer(req.method ?? '', req.url ?? '', text ? JSON.parse(text) : undefined, req.headers.authorization);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('selfSubjectUsername', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('POSTs a SelfSubjectReview with the credentials and returns status.userInfo.username', async () => {
    const seen: string[] = [];
    server = await serve((method, url, body, auth) => {
      seen.push(`${method} ${url} ${body?.kind} ${auth}`);
      return {
        status: 201,
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
          status: { userInfo: { username: 'system:serviceaccount:sluice-system:sluice', groups: ['system:serviceaccounts', 'system:authenticated'] } },
        },
      };
    });
    expect(await selfSubjectUsername(kubeConfigFor(server))).to.equal('system:serviceaccount:sluice-system:sluice');
    expect(seen).to.deep.equal(['POST /apis/authentication.k8s.io/v1/selfsubjectreviews SelfSubjectReview Bearer operator-token']);
  });

  it('an apiserver without the API (404) is a start-up error naming it', async () => {
    server = await serve(() => ({
      status: 404,
      body: { kind: 'Status', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
    }));
    let error: Error | undefined;
    await selfSubjectUsername(kubeConfigFor(server)).catch((err: Error) => {
      error = err;
    });
    expect(error?.message).to.match(
      /^cannot learn the operator's username from a SelfSubjectReview \(POST \/apis\/authentication\.k8s\.io\/v1\/selfsubjectreviews/,
    );
  });

  it('an answer without a username is an error too', async () => {
    server = await serve(() => ({ status: 201, body: { kind: 'SelfSubjectReview', status: {} } }));
    let error: Error | undefined;
    await selfSubjectUsername(kubeConfigFor(server)).catch((err: Error) => {
      error = err;
    });
    expect(error?.message).to.match(/names no status\.userInfo\.username/);
  });
});
