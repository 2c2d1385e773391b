// Stopping and restarting single components of the local control plane (test/cluster/up.sh).
//
// up.sh cannot restart one component: when any process of its cluster is missing it tears the
// whole cluster down (etcd data included) and starts afresh. So a component is restarted here the
// way up.sh launched it: the command line, environment and working directory are read from
// /proc/<pid>/ before the process is stopped, and the same command is started again in its own
// session with its output appended to the same log; the pid file ($STATE/pids/<name>.pid,
// "<pid> <starttime>") is rewritten so that up.sh's health check and down.sh keep recognising the
// process as the cluster's own.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterEnv, kubectl, kubectlJson, stateDir, waitFor } from '../../support/cluster.js';

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok' | 'prometheus' | 'traffic';
export const COMPONENTS: readonly Component[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'prometheus', 'traffic'];

export interface Launch {
  readonly name: Component;
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
}

const pidFile = (name: Component) => join(stateDir, 'pids', `${name}.pid`);

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), as up.sh records it. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie is as good as gone
    return fields[19];
  } catch {
    return undefined;
  }
}

/** The pid of the component if its pid file names a live process that is the one up.sh (or we) started. */
export function componentPid(name: Component): number | undefined {
  const f = pidFile(name);
  if (!existsSync(f)) return undefined;
  const [pid, st] = readFileSync(f, 'utf8').trim().split(/\s+/);
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 && startTime(n) === st ? n : undefined;
}

function captureLaunch(name: Component, pid: number): Launch {
  const split = (file: string) =>
    readFileSync(file)
      .toString('utf8')
      .split('\0')
      .filter((s) => s.length > 0);
  const env: Record<string, string> = {};
  for (const kv of split(`/proc/${pid}/environ`)) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { name, argv: split(`/proc/${pid}/cmdline`), env, cwd: readlinkSync(`/proc/${pid}/cwd`) };
}

/** Components stopped by this process and not started again yet (for after-hooks). */
const stopped = new Map<Component, Launch>();

/** Starts again whatever stopComponent() stopped and nobody restarted (a test that failed midway). */
export async function restartStopped(): Promise<Component[]> {
  const names = [...stopped.keys()];
  for (const launch of [...stopped.values()]) if (!componentPid(launch.name)) await startComponent(launch);
  stopped.clear();
  return names;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops one component of the cluster by its pid file and returns how to start it again.
 * SIGTERM waits for a clean exit (SIGKILL after `graceMs`); SIGKILL is a crash.
 */
export async function stopComponent(name: Component, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 20_000): Promise<Launch> {
  const pid = componentPid(name);
  if (!pid) throw new Error(`${name} is not running (pid file ${pidFile(name)})`);
  const launch = captureLaunch(name, pid);
  stopped.set(name, launch);
  const st = startTime(pid);
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  let killed = signal === 'SIGKILL';
  while (st !== undefined && startTime(pid) === st) {
    if (!killed && Date.now() > deadline) {
      killed = true;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    await sleep(50);
  }
  return launch;
}

/** Starts a component again exactly as it ran before (own session, output appended to its log). */
export async function startComponent(launch: Launch): Promise<number> {
  stopped.delete(launch.name);
  const log = openSync(join(stateDir, 'logs', `${launch.name}.log`), 'a');
  try {
    writeFileSync(log, `\n==== restarted by test/chaos at ${new Date().toISOString()} ====\n`);
    const child = spawn(launch.argv[0], launch.argv.slice(1), {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    const pid = child.pid;
    if (!pid) throw new Error(`could not start ${launch.name}: ${launch.argv.join(' ')}`);
    // Wait for the exec to have happened (the start time is that of the new process from fork on).
    const st = await waitFor(() => startTime(pid), 5_000, { what: `${launch.name} process`, intervalMs: 20 });
    writeFileSync(pidFile(launch.name), `${pid} ${st}\n`);
    return pid;
  } finally {
    closeSync(log);
  }
}

async function ok(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function apiserverReady(): Promise<boolean> {
  try {
    return (await kubectl(['get', '--raw', '/readyz', '--request-timeout=3s'])).trim() === 'ok';
  } catch {
    return false;
  }
}

export const prometheusReady = () => ok(`${clusterEnv()!.PROMETHEUS_URL}/-/ready`);
export const trafficHealthy = () => ok(`${clusterEnv()!.SLUICE_TRAFFIC_URL}/healthz`);

export interface Health {
  healthy: boolean;
  problems: string[];
}

/**
 * What up.sh's health check asks (every process alive and ours, apiserver /readyz, Prometheus
 * /-/ready, the traffic generator's /healthz), plus a Ready Node and Prometheus scraping the
 * traffic generator again (up == 1).
 */
export async function clusterHealth(): Promise<Health> {
  const problems: string[] = [];
  for (const c of COMPONENTS) if (!componentPid(c)) problems.push(`${c} is not running`);
  if (!(await apiserverReady())) problems.push('apiserver /readyz is not ok');
  if (!(await prometheusReady())) problems.push('Prometheus /-/ready is not ok');
  if (!(await trafficHealthy())) problems.push('traffic generator /healthz is not ok');
  if (!problems.length) {
    try {
      const nodes = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
      const ready = nodes.items.filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      if (!ready.length) problems.push('no Ready node');
    } catch (e) {
      problems.push(`nodes: ${(e as Error).message}`);
    }
    try {
      const res: any = await (await fetch(`${clusterEnv()!.PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent('up{job="sluice-traffic"}')}`)).json();
      const up = res?.data?.result?.[0]?.value?.[1];
      if (up !== '1') problems.push(`Prometheus: up{job="sluice-traffic"} is ${up ?? 'absent'}`);
    } catch (e) {
      problems.push(`Prometheus query: ${(e as Error).message}`);
    }
  }
  return { healthy: problems.length === 0, problems };
}

/** Waits until clusterHealth() is clean; returns how long that took. */
export async function waitClusterHealthy(timeoutMs = 120_000): Promise<number> {
  const t0 = Date.now();
  let last: Health = { healthy: false, problems: ['not checked'] };
  await waitFor(async () => (last = await clusterHealth()).healthy, timeoutMs, { what: 'a healthy cluster', intervalMs: 500 }).catch(() => {
    throw new Error(`cluster not healthy after ${timeoutMs} ms: ${last.problems.join('; ')}`);
  });
  return Date.now() - t0;
}
