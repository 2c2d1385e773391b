// The operator under measurement: `node bin/sluice.js run` as a child process against the
// benchmark cluster, with its /metrics on a free port. Gives its CPU time and RSS (from /proc),
// its API request counter (sluice_kube_requests_total) and its log lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './state-dir.js';
import { stateDir, type BenchCluster } from './cluster.js';
import { say, sleep } from './stats.js';

export interface BenchOperator {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly logFile: string;
  /** Milliseconds from spawn until the log said "controller started" (caches synced). */
  readonly startedAfterMs: number;
  readonly spawnedAt: number;
  /** "bin/sluice.js (tsx)" or "compiled lib (tsc)". */
  readonly label: string;
  /** utime + stime of the process so far, in seconds (/proc/<pid>/stat). */
  cpuSeconds(): number;
  /** Resident set size now, bytes (/proc/<pid>/status VmRSS). */
  rssBytes(): number;
  /** The same split as the kernel counts it: anonymous pages (heaps, stacks) and file-backed ones (the node binary, libraries), bytes. */
  rssParts(): { anon: number; file: number };
  /** sluice_kube_requests_total by "verb resource code". */
  requests(): Promise<Map<string, number>>;
  /** The value of an unlabelled series of the operator's /metrics, e.g. sluice_nodejs_heap_size_used_bytes. */
  gauge(name: string): Promise<number>;
  /** Parsed JSON log lines so far. */
  logLines(): { time: number; msg: string; [k: string]: unknown }[];
  stop(): Promise<void>;
}

const CLK_TCK = 100; // `getconf CLK_TCK` on Linux x86-64 and arm64

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
let hooked = false;
function killOnExit(): void {
  if (hooked) return;
  hooked = true;
  // SIGTERM lets the operator remove its webhook configurations; a stale one would slow every
  // Deployment write of the next run until its call times out.
  const killAll = () => {
    for (const c of live) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
}

/**
 * What runs: `node bin/sluice.js run` (lib/ when built and current, else the sources through tsx), or with
 * BENCH_COMPILED=1 the sources compiled once by tsc into <state dir>/lib, as an installed package
 * runs them (no tsx in the process: a smaller RSS).
 */
let compiled: string | undefined;
/**
 * The V8 flags the image's entrypoint gives the operator (bin/node-flags.json, as the Dockerfile), then
 * BENCH_NODE_FLAGS (space-separated) for trying others: the label printed with each figure names them.
 */
const NODE_FLAGS: string[] = [
  ...(JSON.parse(readFileSync(join(repoRoot, 'bin/node-flags.json'), 'utf8')) as string[]),
  ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
];
export function operatorCommand(): { args: string[]; label: string } {
  if (process.env.BENCH_COMPILED !== '1')
    return {
      args: [...NODE_FLAGS, join(repoRoot, 'bin/sluice.js'), 'run'],
      label: `node ${NODE_FLAGS.join(' ')} bin/sluice.js (lib/ when built and current, else src/ through tsx)`,
    };
  if (!compiled) {
    const outDir = join(stateDir, 'lib');
    say(`operator: compiling src/ into ${outDir} (tsc)`);
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(repoRoot, 'tsconfig.json'),
        '--outDir',
        outDir,
        '--declaration',
        'false',
        '--sourceMap',
        'false',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
    compiled = join(outDir, 'cli/main.js');
  }
  return { args: [...NODE_FLAGS, compiled, 'run'], label: `compiled lib (tsc), node ${NODE_FLAGS.join(' ')}` };
}

/** Until the log says "controller started" (caches synced); throws when the child exits first or after 300 s. */
async function waitForStart(child: ChildProcess, logFile: string): Promise<void> {
  const read = () => readFileSync(logFile, 'utf8');
  const deadline = Date.now() + 300_000;
  while (!read().includes('controller started')) {
    if (child.exitCode !== null) throw new Error(`operator exited ${child.exitCode} before starting (log ${logFile}):\n${read().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`operator did not start in 300 s (log ${logFile})`);
    await sleep(20);
  }
}

/** utime + stime of a process so far, in seconds. */
function cpuSecondsOf(pid: number): number {
  // Fields after the ")" of comm: state is field 3; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** A `<field>: N kB` line of /proc/<pid>/status, bytes; NaN when it is not there. */
function statusBytes(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Resident set size of a process now, bytes. */
function rssBytesOf(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** sluice_kube_requests_total of a /metrics text, by "verb resource code". */
function kubeRequestsIn(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^sluice_kube_requests_total\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    counts.set(`${labels.verb} ${labels.resource} ${labels.code}`, Number(m[2]));
  }
  return counts;
}

/** The value of an unlabelled series of a /metrics text; NaN when it is not there. */
function gaugeIn(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** The JSON lines of a log text, `time` as epoch milliseconds. */
function jsonLogLines(text: string): { time: number; msg: string; [k: string]: unknown }[] {
  const lines: { time: number; msg: string }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line);
      lines.push({ ...j, time: Date.parse(j.time), msg: String(j.msg ?? '') });
    } catch {
      /* a partial last line */
    }
  }
  return lines;
}

export async function startBenchOperator(cluster: BenchCluster, extraEnv: Record<string, string> = {}): Promise<BenchOperator> {
  killOnExit();
  const port = await freePort();
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const logFile = join(stateDir, 'logs', `bench-operator-${process.pid}-${Date.now()}.log`);
  // The child writes its log straight to the file: nothing of it passes through this process.
  const out = openSync(logFile, 'a');
  const spawnedAt = Date.now();
  const command = operatorCommand();
  const child = spawn(process.execPath, command.args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      KUBECONFIG: cluster.kubeconfig,
      SLUICE_METRICS_SERVER: cluster.prometheusUrl,
      SLUICE_PORT: String(port),
      SLUICE_LOG_LEVEL: process.env.BENCH_OPERATOR_LOG_LEVEL ?? 'info',
      ...extraEnv,
    },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  live.add(child);
  const read = () => readFileSync(logFile, 'utf8');
  await waitForStart(child, logFile);
  const startedAfterMs = Date.now() - spawnedAt;
  const pid = child.pid!;
  say(`operator (${command.label}): pid ${pid}, /metrics on :${port}, started in ${startedAfterMs} ms, log ${logFile}`);

  return {
    child,
    pid,
    port,
    logFile,
    startedAfterMs,
    spawnedAt,
    label: command.label,
    cpuSeconds: () => cpuSecondsOf(pid),
    rssBytes: () => rssBytesOf(pid),
    rssParts: () => ({ anon: statusBytes(pid, 'RssAnon'), file: statusBytes(pid, 'RssFile') }),
    requests: async () => kubeRequestsIn(await metricsText(port)),
    gauge: async (name: string) => gaugeIn(await metricsText(port), name),
    logLines: () => jsonLogLines(read()),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      live.delete(child);
    },
  };
}

/** Requests whose verb writes (anything but GET, LIST, WATCH), from two counter readings. */
export function writesBetween(before: Map<string, number>, after: Map<string, number>): { total: number; byKey: Map<string, number>; reads: number } {
  const byKey = new Map<string, number>();
  let total = 0;
  let reads = 0;
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta <= 0) continue;
    const verb = key.split(' ')[0];
    if (verb === 'GET' || verb === 'LIST' || verb === 'WATCH') {
      reads += delta;
      continue;
    }
    byKey.set(key, delta);
    total += delta;
  }
  return { total, byKey, reads };
}

export const describeCounts = (m: Map<string, number>): string =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || 'none';
