// Test helpers for the local control plane (test/cluster/up.sh). Any e2e test file can do:
//
//   import { ensureCluster, kubectl, waitFor, promQuery } from '../support/cluster.js';
//   before(async function () { this.timeout(45 * 60_000); await ensureCluster(); });
//
// ensureCluster() runs `test/cluster/up.sh` (what `npm run cluster:up` runs): a no-op when the cluster
// is already up, otherwise it starts it (and, on a machine without the cached binaries, builds them
// first: ~20 minutes cold). The cluster is left running for the next test file; `npm run cluster:down`
// stops it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const stateDir = process.env.SLUICE_STATE_DIR || join(repoRoot, '.sluice');

export interface Cluster {
  /** Path of the admin kubeconfig (system:masters). */
  kubeconfig: string;
  /** Base URL of the cluster's Prometheus, e.g. http://127.0.0.1:16090. */
  prometheusUrl: string;
  /** Every variable of .sluice/env (KUBECONFIG, PROMETHEUS_URL, SLUICE_CA_CERT, SLUICE_KUBECTL, ...). */
  env: Record<string, string>;
}

/** Parses .sluice/env (KEY=VALUE lines; comments and the closing `export` line are skipped). */
export function readEnvFile(file = join(stateDir, 'env')): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return env;
}

let pending: Promise<Cluster> | undefined;

/** Starts the local cluster unless it is up (idempotent; shared by every caller in this process). */
export function ensureCluster(opts: { quiet?: boolean } = {}): Promise<Cluster> {
  pending ??= (async () => {
    const out = await run('bash', [join(repoRoot, 'test/cluster/up.sh')], { echo: !opts.quiet });
    if (out.code !== 0) throw new Error(`test/cluster/up.sh failed (exit ${out.code}):\n${out.stderr || out.stdout}`);
    const env = readEnvFile();
    return { kubeconfig: env.KUBECONFIG, prometheusUrl: env.PROMETHEUS_URL, env };
  })();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
}

/** The cluster's env if it is up (without starting anything), else undefined. */
export function clusterEnv(): Record<string, string> | undefined {
  const f = join(stateDir, 'env');
  return existsSync(f) ? readEnvFile(f) : undefined;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}
function run(cmd: string, args: string[], o: { input?: string; env?: NodeJS.ProcessEnv; echo?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const p = spawn(cmd, args, { cwd: repoRoot, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
      if (o.echo) process.stderr.write(d);
    });
    p.stderr.on('data', (d) => {
      stderr += d;
      if (o.echo) process.stderr.write(d);
    });
    p.on('error', reject);
    p.on('close', (code) => resolveRun({ code: code ?? 1, stdout, stderr }));
    p.stdin.end(o.input ?? '');
  });
}

export class KubectlError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`kubectl ${args.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`);
  }
}

/** Runs the cluster's kubectl (same version as the apiserver) with the admin kubeconfig; returns
 *  stdout, throws KubectlError on a non-zero exit. `input` is fed to stdin (for `apply -f -`). */
export async function kubectl(args: string[], opts: { input?: string } = {}): Promise<string> {
  const env = clusterEnv();
  if (!env) throw new Error('the local cluster is not up: call ensureCluster() first');
  const r = await run(env.SLUICE_KUBECTL || 'kubectl', args, { input: opts.input, env: { ...process.env, KUBECONFIG: env.KUBECONFIG } });
  if (r.code !== 0) throw new KubectlError(args, r.code, r.stdout, r.stderr);
  return r.stdout;
}

/** kubectl with `-o json`, parsed. */
export async function kubectlJson<T = any>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

/** Polls `fn` until it returns a value other than undefined/null/false (or stops throwing), then
 *  returns that value. Throws after `timeoutMs` with the last error or value in the message. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  opts: { intervalMs?: number; what?: string } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v as Exclude<T, undefined | null | false>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'} (last: ${why})`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** Instant query against the cluster's Prometheus. A vector gives one sample per series, a scalar
 *  one sample with empty labels. Throws on a query error. */
export async function promQuery(q: string, prometheusUrl = clusterEnv()?.PROMETHEUS_URL): Promise<PromSample[]> {
  if (!prometheusUrl) throw new Error('no PROMETHEUS_URL: call ensureCluster() first');
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body: any = await res.json();
  if (body.status !== 'success') throw new Error(`Prometheus query failed: ${body.errorType}: ${body.error} (${q})`);
  const d = body.data;
  if (d.resultType === 'vector') return d.result.map((r: any) => ({ metric: r.metric, value: Number(r.value[1]) }));
  if (d.resultType === 'scalar') return [{ metric: {}, value: Number(d.result[1]) }];
  throw new Error(`unexpected result type ${d.resultType} for ${q}`);
}

/** The single value of a query that returns one sample, or undefined when it returns none. */
export async function promValue(q: string): Promise<number | undefined> {
  const r = await promQuery(q);
  return r.length ? r[0].value : undefined;
}
