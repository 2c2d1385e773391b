// `sluice run` start-up as a kubelet sees it: probes answer during start-up, a start that fails
// exits non-zero with the reason, and SIGTERM stops the process at any moment. The operator runs
// as a real child process against a kubeconfig whose "apiserver" is either a closed port (every
// call refused) or a black hole (accepts and never answers, so start-up hangs at registration).
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './support/free-port.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function kubeconfigFor(port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-startup-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`,
  );
  return file;
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function runOperator(kubeconfig: string, metricsPort: number): Run {
  let out = '';
  const child = spawn(process.execPath, [join(repoRoot, 'bin/sluice.js'), 'run'], {
    env: { ...process.env, KUBECONFIG: kubeconfig, SLUICE_PORT: String(metricsPort), SLUICE_LOG_LEVEL: 'info', CI: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

async function until<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const withinMs = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms))]);

describe('sluice run: start-up as a kubelet sees it', function () {
  this.timeout(60_000);
  let blackHole: Server;
  const sockets: Socket[] = [];
  let blackHolePort: number;

  before(async () => {
    blackHole = createServer((s) => {
      sockets.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    blackHolePort = (blackHole.address() as { port: number }).port;
  });
  after(() => {
    for (const s of sockets) s.destroy();
    blackHole.close();
  });

  it('a start that cannot reach the apiserver logs why and exits 1', async () => {
    const closed = await freePort();
    const run = runOperator(kubeconfigFor(closed), await freePort());
    const code = await withinMs(run.exit, 40_000, 'the failed start to exit');
    expect(code).to.equal(1);
    expect(run.output()).to.match(/start-up failed/);
    expect(run.output()).to.match(/ECONNREFUSED|connect/);
  });

  it('/readyz answers 503 (not 500) while start-up waits, /healthz ok, and SIGTERM stops the process', async () => {
    const metricsPort = await freePort();
    const run = runOperator(kubeconfigFor(blackHolePort), metricsPort);
    try {
      const ready = await until(
        async () => {
          const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
          return { status: res.status, body: await res.text() };
        },
        30_000,
        '/readyz to answer',
      );
      expect(ready.status, ready.body).to.equal(503);
      expect(ready.body).to.not.match(/ReferenceError/);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).to.equal(200);
      run.child.kill('SIGTERM');
      const code = await withinMs(run.exit, 10_000, 'SIGTERM during start-up to end the process');
      expect(code).to.equal(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('a metrics port already in use is named in the error', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const run = runOperator(kubeconfigFor(blackHolePort), port);
      expect(await withinMs(run.exit, 40_000, 'the failed start to exit')).to.equal(1);
      expect(run.output(), run.output()).to.include(`127.0.0.1:${port}`);
      expect(run.output()).to.match(/SLUICE_PORT/);
    } finally {
      busy.close();
    }
  });
});
