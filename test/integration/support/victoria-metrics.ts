// A real VictoriaMetrics (Debian's victoria-metrics, single node) on a free loopback port, with
// its own temp storage and, optionally, its own basic auth (-httpAuth.*). Samples go in through
// its Prometheus text import; queries go through its Prometheus-compatible /api/v1/query.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { ensureInstalled } from './install.js';

export interface RunningVictoriaMetrics {
  readonly url: string;
  /** Prometheus text exposition lines, stored at the current time. */
  importText(lines: string): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startVictoriaMetrics(auth?: { username: string; password: string }): Promise<RunningVictoriaMetrics> {
  const binary = ensureInstalled('victoria-metrics', 'victoria-metrics');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-vm-'));
  const port = await freePort();
  const args = [
    `-storageDataPath=${dir}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=1d',
    '-loggerLevel=ERROR',
    // Freshly imported samples are searchable at once (no 30 s cache of recent results).
    '-search.disableCache',
    '-search.latencyOffset=0s',
  ];
  if (auth) args.push(`-httpAuth.username=${auth.username}`, `-httpAuth.password=${auth.password}`);
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`victoria-metrics exited with ${child.exitCode}:\n${stderr}`);
    }
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`victoria-metrics not ready after 30s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async importText(lines) {
      const res = await fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', headers, body: lines });
      if (!res.ok) throw new Error(`import failed: HTTP ${res.status} ${await res.text()}`);
      // Imported rows become searchable after the in-memory buffers are flushed.
      await fetch(`${url}/internal/force_flush`, { headers });
    },
    stop,
  };
}
