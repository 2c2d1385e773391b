// How long load tester tasks live and how many there are, over real HTTP on loopback: a task
// ends at its -z or at the tester's --timeout even when its target never answers (and the same
// command can run again), the tester runs at most maxTasks at once and says so with 503, it keeps
// a bounded sample of latencies, and SIGTERM ends the process while a task runs.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { pino } from 'pino';
import { LatencySummary } from '../../../src/loadtester/latency-summary.js';
import { runLoad, summarize } from '../../../src/loadtester/load-generator.js';
import { parseHeyArgs } from '../../../src/loadtester/hey-options.js';
import { BUSY_RETRY_AFTER_SECONDS, startLoadTester, type RunningLoadTester } from '../../../src/loadtester/server.js';
import { waitUntil } from './wait.js';

const quiet = pino({ level: 'silent' });
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A target that takes a minute to answer (or `delayMs`), counting requests. */
async function slowTarget(delayMs = 60_000) {
  const state = { requests: 0 };
  const server: Server = createServer((_req, res) => {
    state.requests++;
    const t = setTimeout(() => res.end('late'), delayMs);
    res.once('close', () => clearTimeout(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
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

const hook = (cmd: string, name = 'podinfo') => JSON.stringify({ name, namespace: 'test', phase: 'Progressing', metadata: { cmd } });
const post = async (url: string, body: string) => {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
};
const heyOptions = (args: string) => {
  const p = parseHeyArgs(args.split(' '));
  if (!p.ok) throw new Error(p.error);
  return p.options;
};

describe('load tester: task lifetime and limits', function () {
  this.timeout(20_000);
  let target: Awaited<ReturnType<typeof slowTarget>>;
  let tester: RunningLoadTester | undefined;
  beforeEach(async () => {
    target = await slowTarget();
  });
  afterEach(async () => {
    await tester?.close();
    tester = undefined;
    await target.close();
  });

  it('a task ends at its -z although its requests never answer, and the same command runs again', async () => {
    tester = await startLoadTester({ port: 0, host: '127.0.0.1', log: quiet, processMetrics: false });
    const cmd = `hey -z 1s -c 2 -t 20 ${target.url}`;
    expect((await post(`${tester.url}/`, hook(cmd))).text).to.equal('Accepted');
    expect((await post(`${tester.url}/`, hook(cmd))).text).to.equal('Already running');
    // Without the -z cut its requests would wait for -t 20 s (the target answers after 60 s).
    await waitUntil(() => tester!.runner.size === 0, 8000);
    expect(target.state.requests).to.be.at.least(2);
    expect((await post(`${tester.url}/`, hook(cmd))).text).to.equal('Accepted');
  });

  it('a task ends at the tester timeout (hey -t 0: no request timeout), and the same command runs again', async () => {
    tester = await startLoadTester({ port: 0, host: '127.0.0.1', timeoutMs: 800, log: quiet, processMetrics: false });
    const cmd = `hey -n 5 -c 1 -t 0 ${target.url}`;
    expect((await post(`${tester.url}/`, hook(cmd))).text).to.equal('Accepted');
    // Five requests of 60 s each without the timeout.
    await waitUntil(() => tester!.runner.size === 0, 8000);
    expect((await post(`${tester.url}/`, hook(cmd))).text).to.equal('Accepted');
  });

  it('runs at most maxTasks at once: past it 503 with Retry-After and the reason; room again once one ends', async () => {
    tester = await startLoadTester({ port: 0, host: '127.0.0.1', maxTasks: 2, log: quiet, processMetrics: false });
    expect((await post(`${tester.url}/`, hook(`hey -z 1s -c 1 ${target.url}`, 'a'))).status).to.equal(202);
    expect((await post(`${tester.url}/`, hook(`hey -z 10s -c 1 ${target.url}`, 'b'))).status).to.equal(202);
    const refused = await post(`${tester.url}/`, hook(`hey -z 10s -c 1 ${target.url}`, 'c'));
    expect(refused).to.deep.equal({
      status: 503,
      retryAfter: String(BUSY_RETRY_AFTER_SECONDS),
      text: 'load tester busy: 2 tasks running, the most it runs at once (2); retry later',
    });
    // A running command is still answered as running, not as busy.
    expect((await post(`${tester.url}/`, hook(`hey -z 10s -c 1 ${target.url}`, 'b'))).text).to.equal('Already running');
    await waitUntil(() => tester!.runner.size === 1, 5000);
    expect((await post(`${tester.url}/`, hook(`hey -z 10s -c 1 ${target.url}`, 'c'))).status).to.equal(202);
    const metrics = await (await fetch(`${tester.url}/metrics`)).text();
    expect(metrics).to.match(/sluice_loadtester_tasks_total\{type="cmd",outcome="busy"\} 1/);
  });
});

describe('load tester: bounded latencies', () => {
  it('LatencySummary keeps exact count, min, max and mean, and at most capacity samples', () => {
    const summary = new LatencySummary(100);
    for (let i = 1; i <= 100_000; i++) summary.add(i);
    expect([summary.count, summary.min, summary.max, summary.mean]).to.deep.equal([100_000, 1, 100_000, 50_000.5]);
    expect(summary.sampled).to.have.length(100);
    // A uniform sample: its median is near the true one.
    expect(summary.percentile(50)).to.be.within(35_000, 65_000);
  });

  it('a run keeps a bounded sample of its latencies, and summarises 2 million without overflowing', async () => {
    const fast = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => fast.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(fast.address() as AddressInfo).port}/`;
      const result = await runLoad(heyOptions(`-n 300 -c 3 ${url}`), { latencySamples: 50 });
      expect(result.latency.count).to.equal(300);
      expect(result.latency.sampled).to.have.length(50);
      expect(summarize(result)).to.match(/Latency distribution:\n {2}10% in [\d.]+ secs/);
    } finally {
      fast.close();
    }
    const many = new LatencySummary();
    for (let i = 0; i < 2_000_000; i++) many.add(i % 1000);
    const text = summarize({ startedAt: 0, totalMs: 1000, latency: many, statusCodes: { 200: 2_000_000 }, errors: {} });
    expect(text).to.include('Slowest:\t0.9990 secs');
  });
});

describe('sluice loadtester process', function () {
  // Start-up compiles the CLI through tsx when lib/ is stale: slow on a busy machine, and not what is tested.
  this.timeout(120_000);

  it('exits within a few seconds of SIGTERM while a task runs', async () => {
    const target = await slowTarget();
    const child = spawn(process.execPath, ['bin/sluice.js', 'loadtester', '--port', '0', '--host', '127.0.0.1'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      // The log line is "load tester listening on <host>:<port> (...)".
      await waitUntil(() => /listening on 127\.0\.0\.1:\d+/.test(out), 90_000);
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(out)![1];
      expect((await post(`http://127.0.0.1:${port}/`, hook(`hey -z 1m -c 4 ${target.url}`))).text).to.equal('Accepted');
      await waitUntil(() => target.state.requests >= 4, 15_000);
      child.kill('SIGTERM');
      // The task would run a minute more; its requests wait 60 s for an answer.
      const ended = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 8000))]);
      expect(ended, out).to.deep.equal({ code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
      await target.close();
    }
  });
});
