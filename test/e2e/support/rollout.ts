// Helpers for end-to-end rollouts: the operator as a real child process (`sluice run`) against
// the local control plane, and a podinfo app with its Canary in a namespace of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { clusterEnv, kubectl, kubectlJson, repoRoot, stateDir, waitFor } from '../../support/cluster.js';

export interface OperatorProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  logs(): string;
  /** Sends a signal and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

let started = 0;

/** Spawns `node bin/sluice.js run` against the local cluster, with its own log file (no waiting). */
export function spawnOperator(extraEnv: Record<string, string> = {}, logName = 'operator'): OperatorProcess {
  const env = clusterEnv();
  if (!env) throw new Error('the local cluster is not up');
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const logFile = join(stateDir, 'logs', `${logName}-${process.pid}-${++started}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, [join(repoRoot, 'bin/sluice.js'), 'run'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      KUBECONFIG: env.KUBECONFIG,
      SLUICE_METRICS_SERVER: env.PROMETHEUS_URL,
      SLUICE_PROVIDER: 'istio',
      SLUICE_PORT: '0',
      SLUICE_LOG_LEVEL: 'debug',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return {
    child,
    logFile,
    logs: () => readFileSync(logFile, 'utf8'),
    kill: (signal) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** Spawns the operator and waits until its controller runs; one that never gets there is killed. */
export async function startOperator(extraEnv: Record<string, string> = {}): Promise<OperatorProcess> {
  const op = spawnOperator(extraEnv);
  try {
    await waitFor(() => op.logs().includes('controller started'), 60_000, { what: `operator start (log ${op.logFile})` });
  } catch (err) {
    // The caller gets no handle to stop it, and its pipes would keep the test process alive.
    await op.kill('SIGKILL');
    throw err;
  }
  return op;
}

export interface AppOptions {
  namespace: string;
  image?: string;
  replicas?: number;
  /** Env of the pod template: SLUICE_SIM_ERROR_RATE, SLUICE_SIM_ERROR_CODE, SLUICE_SIM_LATENCY_MS. */
  env?: Record<string, string>;
  /** A ConfigMap the container reads its env from (`envFrom`), tracked by the Canary from the start. */
  envFromConfigMap?: string;
  canary: Record<string, unknown>;
  extra?: Record<string, unknown>[];
}

export function podinfoDeployment(
  ns: string,
  image: string,
  replicas: number,
  env: Record<string, string> = {},
  envFromConfigMap?: string,
): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'podinfo', namespace: ns, labels: { app: 'podinfo' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'podinfo' } },
      template: {
        metadata: { labels: { app: 'podinfo' } },
        spec: {
          containers: [
            {
              name: 'podinfod',
              image,
              ports: [{ name: 'http', containerPort: 9898 }],
              env: Object.entries({ SLUICE_SIM_LATENCY_MS: '10', ...env }).map(([name, value]) => ({ name, value })),
              ...(envFromConfigMap ? { envFrom: [{ configMapRef: { name: envFromConfigMap } }] } : {}),
            },
          ],
        },
      },
    },
  };
}

/** A Canary for podinfo with short intervals; `spec` is merged over the defaults. */
export function podinfoCanary(ns: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: ns },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898, targetPort: 9898 },
      ...spec,
    },
  };
}

/** podinfoDeployment renamed (name, app label, selector and pod labels), so several share a namespace. */
export function appDeployment(ns: string, name: string, image: string, replicas = 1, env: Record<string, string> = {}): Record<string, any> {
  const d = podinfoDeployment(ns, image, replicas, env) as Record<string, any>;
  d.metadata.name = name;
  d.metadata.labels = { app: name };
  d.spec.selector = { matchLabels: { app: name } };
  d.spec.template.metadata.labels = { app: name };
  return d;
}

/** podinfoCanary renamed, targeting appDeployment(ns, name). */
export function appCanary(ns: string, name: string, spec: Record<string, unknown>): Record<string, any> {
  const c = podinfoCanary(ns, spec) as Record<string, any>;
  c.metadata.name = name;
  c.spec.targetRef = { ...c.spec.targetRef, name };
  return c;
}

export async function applyObjects(objects: Record<string, unknown>[]): Promise<void> {
  await kubectl(['apply', '-f', '-'], { input: objects.map((o) => stringify(o)).join('---\n') });
}

export async function createApp(o: AppOptions): Promise<void> {
  await kubectl(['create', 'namespace', o.namespace]).catch(() => undefined);
  await applyObjects([
    ...(o.extra ?? []),
    podinfoDeployment(o.namespace, o.image ?? 'ghcr.io/stefanprodan/podinfo:6.0.0', o.replicas ?? 2, o.env, o.envFromConfigMap),
    o.canary,
  ]);
}

export async function canaryStatus(ns: string): Promise<any> {
  return (await kubectlJson(['-n', ns, 'get', 'canary', 'podinfo'])).status ?? {};
}

export async function waitForPhase(ns: string, phases: string[], timeoutMs: number): Promise<any> {
  return waitFor(
    async () => {
      const st = await canaryStatus(ns);
      return phases.includes(st.phase) ? st : undefined;
    },
    timeoutMs,
    { what: `canary ${ns}/podinfo in ${phases.join('/')}`, intervalMs: 500 },
  );
}

/** Messages of the Canary's Events, oldest first (by first timestamp, then creation). */
export async function canaryEvents(ns: string): Promise<string[]> {
  const list = await kubectlJson<{ items: any[] }>(['-n', ns, 'get', 'events', '--field-selector', 'involvedObject.kind=Canary,involvedObject.name=podinfo']);
  // Timestamps have whole seconds; within a second, creation order is the order of the etcd
  // revisions (resourceVersion), which holds for Events written once.
  const rv = (e: any) => Number(e.metadata.resourceVersion ?? 0);
  return list.items.sort((a, b) => (a.firstTimestamp ?? '').localeCompare(b.firstTimestamp ?? '') || rv(a) - rv(b)).map((e) => e.message as string);
}

/** Like `kubectl set image`, plus the simulated behaviour of the new version, in one revision. */
export async function setImage(ns: string, image: string, env?: Record<string, string>): Promise<void> {
  if (!env) {
    await kubectl(['-n', ns, 'set', 'image', 'deployment/podinfo', `podinfod=${image}`]);
    return;
  }
  const container = { name: 'podinfod', image, env: Object.entries(env).map(([name, value]) => ({ name, value })) };
  await kubectl([
    '-n',
    ns,
    'patch',
    'deployment',
    'podinfo',
    '--type=strategic',
    '-p',
    JSON.stringify({ spec: { template: { spec: { containers: [container] } } } }),
  ]);
}

export async function deploymentImage(ns: string, name: string): Promise<string> {
  return (await kubectl(['-n', ns, 'get', 'deployment', name, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim();
}

export async function deploymentReplicas(ns: string, name: string): Promise<number> {
  return Number((await kubectl(['-n', ns, 'get', 'deployment', name, '-o', 'jsonpath={.spec.replicas}'])).trim());
}

export async function deleteNamespace(ns: string): Promise<void> {
  await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']).catch(() => undefined);
}

/** Short analysis settings shared by the scenarios: 2 s steps, 10 s metric windows. */
export const FAST = { interval: '2s', metricInterval: '10s' };
