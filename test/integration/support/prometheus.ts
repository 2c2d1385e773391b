// Starts Debian's Prometheus for a test: a free loopback port, a temporary data folder, a 1s
// scrape and evaluation interval, the given scrape targets, and optionally a web config
// (basic auth). No control plane is involved. Installs the `prometheus` package when it is
// missing (root only), so a clean CI machine needs nothing beforehand.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { ensureInstalled } from './install.js';

export interface PrometheusOptions {
  /** host:port targets scraped every second at /metrics. */
  readonly scrapeTargets: string[];
  /** user -> plain password; the server then requires basic auth (bcrypt hashes via htpasswd). */
  readonly basicAuthUsers?: Record<string, string>;
}

export interface RunningPrometheus {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Never leave a Prometheus behind, even when a test run dies halfway.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = ensureInstalled('prometheus', 'prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: exporter',
    '    static_configs:',
    `      - targets: [${options.scrapeTargets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  let authHeader: string | undefined;
  if (options.basicAuthUsers) {
    const users = Object.entries(options.basicAuthUsers).map(([user, password]) => `  ${user}: ${JSON.stringify(bcrypt(user, password))}`);
    writeFileSync(join(dir, 'web.yml'), ['basic_auth_users:', ...users, ''].join('\n'));
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
    const [user, password] = Object.entries(options.basicAuthUsers)[0];
    authHeader = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(url, authHeader, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, stop };
}

async function waitUntilReady(url: string, authHeader: string | undefined, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${stderr()}`);
    try {
      const res = await fetch(`${url}/-/ready`, { headers: authHeader ? { Authorization: authHeader } : {} });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus at ${url} not ready after 30s:\n${stderr()}`);
}

/** A bcrypt hash from htpasswd (apache2-utils, installed when missing). */
function bcrypt(user: string, password: string): string {
  const htpasswd = ensureInstalled('htpasswd', 'apache2-utils');
  const r = spawnSync(htpasswd, ['-nbB', user, password], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
  return r.stdout.trim().slice(user.length + 1);
}

/** Polls `promql` until it returns a vector sample, i.e. enough scrapes have landed. */
export async function waitForData(url: string, promql: string, timeoutMs = 30_000, authHeader?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
      headers: authHeader ? { Authorization: authHeader } : {},
    });
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    const sample = body.data?.result?.[0];
    if (sample && !Number.isNaN(parseFloat(sample.value[1]))) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no data for ${promql} at ${url} after ${timeoutMs}ms`);
}
