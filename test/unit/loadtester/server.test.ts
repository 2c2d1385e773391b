// The load tester's API over real HTTP on loopback, and the built-in hey against a local server.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { startLoadTester, type RunningLoadTester } from '../../../src/loadtester/server.js';
import { runLoad } from '../../../src/loadtester/load-generator.js';
import { parseHeyArgs } from '../../../src/loadtester/hey-options.js';
import { waitUntil } from './wait.js';

const quiet = pino({ level: 'silent' });

/** A local app that counts requests and remembers the last one's headers. */
async function startTarget() {
  const state = { count: 0, methods: [] as string[], hosts: new Set<string>(), headers: {} as Record<string, unknown>, bodies: [] as string[] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.count++;
      state.methods.push(req.method ?? '');
      state.hosts.add(req.headers.host ?? '');
      state.headers = req.headers;
      if (body) state.bodies.push(body);
      res.writeHead(req.url === '/status/500' ? 500 : 200);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    state,
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, text: await res.text() };
};

describe('built-in hey', function () {
  this.timeout(15_000);
  let target: Awaited<ReturnType<typeof startTarget>>;
  before(async () => {
    target = await startTarget();
  });
  after(() => target.close());
  beforeEach(() => {
    target.state.count = 0;
    target.state.methods = [];
    target.state.hosts.clear();
    target.state.bodies = [];
  });

  const options = (args: string) => {
    const p = parseHeyArgs(args.split(' '));
    if (!p.ok) throw new Error(p.error);
    return p.options;
  };

  it('-z 2s -q 10 -c 2 sends about 40 requests at the asked rate', async () => {
    const result = await runLoad(options(`-z 2s -q 10 -c 2 ${target.url}/`));
    expect(target.state.count).to.be.within(36, 42);
    expect(result.statusCodes[200]).to.equal(target.state.count);
    expect(result.totalMs).to.be.within(1800, 2600);
  });

  it('-n 30 -c 3 sends exactly 30, with the method, body, headers and Host asked for', async () => {
    const result = await runLoad(options(`-n 30 -c 3 -m PUT -d hello -H X-Canary:insider -host app.example.com ${target.url}/`));
    expect(target.state.count).to.equal(30);
    expect(result.latency.count).to.equal(30);
    expect(new Set(target.state.methods)).to.deep.equal(new Set(['PUT']));
    expect([...target.state.hosts]).to.deep.equal(['app.example.com']);
    expect(target.state.headers['x-canary']).to.equal('insider');
    expect(target.state.bodies[0]).to.equal('hello');
  });

  it('counts status codes and connection errors apart', async () => {
    const bad = await runLoad(options(`-n 4 -c 2 ${target.url}/status/500`));
    expect(bad.statusCodes).to.deep.equal({ 500: 4 });
    const refused = await runLoad(options('-n 2 -c 1 http://127.0.0.1:1/'));
    expect(refused.errors).to.deep.equal({ ECONNREFUSED: 2 });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    await runLoad(options(`-z 1m -q 10 -c 1 ${target.url}/`), { signal: controller.signal });
    expect(Date.now() - started).to.be.lessThan(1500);
    expect(target.state.count).to.be.within(2, 5);
  });
});

describe('load tester API', function () {
  this.timeout(15_000);
  let tester: RunningLoadTester;
  let target: Awaited<ReturnType<typeof startTarget>>;
  before(async () => {
    target = await startTarget();
    tester = await startLoadTester({ port: 0, host: '127.0.0.1', namespaceRegexp: '^(test|prod)$', log: quiet, processMetrics: false });
  });
  after(async () => {
    await tester.close();
    await target.close();
  });

  const hook = (metadata?: Record<string, unknown>, namespace = 'test') => ({
    name: 'podinfo',
    namespace,
    phase: 'Progressing',
    checksum: 'abc',
    ...(metadata ? { metadata } : {}),
  });

  it('serves /healthz, /gate/approve and /gate/halt', async () => {
    expect((await fetch(`${tester.url}/healthz`)).status).to.equal(200);
    expect(await post(`${tester.url}/gate/approve`, hook())).to.deep.equal({ status: 200, text: 'Approved' });
    expect(await post(`${tester.url}/gate/halt`, hook())).to.deep.equal({ status: 403, text: 'Forbidden' });
  });

  it('keeps gates per canary, closed until opened, and rollback gates apart', async () => {
    expect((await post(`${tester.url}/gate/check`, hook())).status).to.equal(403);
    expect((await post(`${tester.url}/gate/open`, hook())).status).to.equal(202);
    expect(await post(`${tester.url}/gate/check`, hook())).to.deep.equal({ status: 200, text: 'Approved' });
    expect((await post(`${tester.url}/gate/check`, hook(undefined, 'prod'))).status).to.equal(403);
    expect((await post(`${tester.url}/rollback/check`, hook())).status).to.equal(403);
    expect((await post(`${tester.url}/rollback/open`, hook())).status).to.equal(202);
    expect((await post(`${tester.url}/rollback/check`, hook())).status).to.equal(200);
    expect((await post(`${tester.url}/gate/close`, hook())).status).to.equal(202);
    expect((await post(`${tester.url}/gate/check`, hook())).status).to.equal(403);
    expect((await post(`${tester.url}/rollback/close`, hook())).status).to.equal(202);
    expect((await post(`${tester.url}/rollback/check`, hook())).status).to.equal(403);
  });

  it('answers 400 without metadata or with a body that is not a payload', async () => {
    expect(await post(`${tester.url}/`, hook())).to.deep.equal({ status: 400, text: 'metadata not found in payload' });
    expect(await post(`${tester.url}/`, hook({}))).to.deep.equal({ status: 400, text: 'metadata not found in payload' });
    expect((await post(`${tester.url}/`, '{not json')).status).to.equal(400);
    expect((await post(`${tester.url}/gate/check`, { hello: 1 })).status).to.equal(400);
  });

  it('refuses namespaces outside the allow-list with 403', async () => {
    const r = await post(`${tester.url}/`, hook({ cmd: `hey -n 1 -c 1 ${target.url}/` }, 'kube-system'));
    expect(r).to.deep.equal({ status: 403, text: 'namespace kube-system is not allowed by this load tester' });
    expect((await post(`${tester.url}/gate/open`, hook(undefined, 'testing'))).status).to.equal(403);
  });

  it('runs a cmd hey in the background: 202 at once, one run per canary and command', async () => {
    target.state.count = 0;
    const cmd = `hey -z 1s -q 10 -c 1 ${target.url}/`;
    const started = Date.now();
    expect(await post(`${tester.url}/`, hook({ cmd }))).to.deep.equal({ status: 202, text: 'Accepted' });
    expect(Date.now() - started).to.be.lessThan(500);
    expect(await post(`${tester.url}/`, hook({ type: 'cmd', cmd }))).to.deep.equal({ status: 202, text: 'Already running' });
    // Another canary's identical command is its own task.
    expect(await post(`${tester.url}/`, hook({ cmd }, 'prod'))).to.deep.equal({ status: 202, text: 'Accepted' });
    expect(tester.runner.size).to.equal(2);
    await waitUntil(() => tester.runner.size === 0, 5000);
    expect(target.state.count).to.be.within(16, 22);
    const metrics = await (await fetch(`${tester.url}/metrics`)).text();
    expect(metrics).to.match(/sluice_loadtester_tasks_total\{type="cmd",outcome="accepted"\} 2/);
    expect(metrics).to.match(/sluice_loadtester_tasks_total\{type="cmd",outcome="duplicate"\} 1/);
    expect(metrics).to.match(/sluice_loadtester_requests_total\{code="200"\} \d+/);
  });

  it('refuses bash and other shell commands by default with a 403 that says how to enable them', async () => {
    const r = await post(`${tester.url}/`, hook({ type: 'bash', cmd: "curl -sd 'test' http://podinfo-canary.test:9898/token | grep token" }));
    expect(r.status).to.equal(403);
    expect(r.text).to.include('shell commands are disabled').and.include('--allow-shell');
    expect((await post(`${tester.url}/`, hook({ cmd: 'touch /tmp/sluice-pwned' }))).status).to.equal(403);
  });

  it('runs a bash-typed hey synchronously and echoes the summary with returnCmdOutput', async () => {
    const r = await post(`${tester.url}/`, hook({ type: 'bash', cmd: `hey -n 4 -c 2 ${target.url}/`, returnCmdOutput: 'true' }));
    expect(r.status).to.equal(200);
    expect(r.text).to.include('Summary:').and.include('[200]\t4 responses');
    const failed = await post(`${tester.url}/`, hook({ type: 'bash', cmd: 'hey -n 2 -c 1 http://127.0.0.1:1/' }));
    expect(failed.status).to.equal(500);
    expect(failed.text).to.include('ECONNREFUSED');
  });
});

describe('load tester with --allow-shell', function () {
  this.timeout(15_000);
  let tester: RunningLoadTester;
  before(async () => {
    tester = await startLoadTester({ port: 0, host: '127.0.0.1', allowShell: true, log: quiet, processMetrics: false, timeoutMs: 3000 });
  });
  after(() => tester.close());
  const hook = (metadata: Record<string, unknown>) => ({ name: 'podinfo', namespace: 'test', metadata });

  it('runs bash synchronously: 200, or 500 with the output; returnCmdOutput echoes it', async () => {
    expect(await post(`${tester.url}/`, hook({ type: 'bash', cmd: 'echo token-123 | grep token' }))).to.deep.equal({ status: 200, text: 'OK' });
    expect(await post(`${tester.url}/`, hook({ type: 'bash', cmd: 'echo token-123 | grep token', returnCmdOutput: 'true' }))).to.deep.equal({
      status: 200,
      text: 'token-123\n',
    });
    const r = await post(`${tester.url}/`, hook({ type: 'bash', cmd: 'echo nope >&2; exit 3' }));
    expect(r.status).to.equal(500);
    expect(r.text).to.include('nope');
  });

  it('runs a shell cmd in the background and kills it at the timeout', async () => {
    expect((await post(`${tester.url}/`, hook({ cmd: 'sleep 30' }))).status).to.equal(202);
    expect(tester.runner.size).to.equal(1);
    await waitUntil(() => tester.runner.size === 0, 6000);
  });
});
