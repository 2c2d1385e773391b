// `npm start` without a KUBECONFIG: start the local control plane (real apiserver, controllers,
// kwok nodes, Prometheus and the simulated mesh traffic), run the operator against it, apply a
// podinfo Canary, ship a new image with `kubectl set image`, and show the rollout to promotion.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from './config.js';
import { startOperator } from './run.js';
import type { Canary } from '../api/types.js';
import { PACKAGE_ROOT as repoRoot } from '../package-root.js';

const NAMESPACE = 'demo';

/** The demo's objects: podinfo behind Linkerd-style SMI routing, short intervals so it takes a minute. */
export function demoManifests(): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: ${NAMESPACE}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
        - name: podinfod
          image: ghcr.io/stefanprodan/podinfo:6.0.0
          ports:
            - name: http
              containerPort: 9898
          env:
            - name: SLUICE_SIM_LATENCY_MS
              value: "15"
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: ${NAMESPACE}
spec:
  provider: linkerd
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
    interval: 3s
    threshold: 3
    maxWeight: 50
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange:
          min: 99
        interval: 10s
      - name: request-duration
        thresholdRange:
          max: 500
        interval: 10s
`;
}

function readEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

function kubectl(env: Record<string, string>, args: string[], input?: string): string {
  const r = spawnSync(env.SLUICE_KUBECTL, args, { input, encoding: 'utf8', env: { ...process.env, KUBECONFIG: env.KUBECONFIG } });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

// Bold only on a terminal (and not under NO_COLOR): piped or logged output stays plain text.
const bold = process.stdout.isTTY === true && !process.env.NO_COLOR;

function say(line: string): void {
  process.stdout.write(bold ? `\x1b[1m[demo]\x1b[0m ${line}\n` : `[demo] ${line}\n`);
}

/** Runs test/cluster/up.sh (idempotent: a control plane already up is kept); resolves to its exit code. */
function startControlPlane(): Promise<number> {
  return new Promise<number>((done) => {
    const p = spawn('bash', [join(repoRoot, 'test/cluster/up.sh')], { stdio: 'inherit' });
    p.on('exit', (code) => done(code ?? 1));
  });
}

/** Polls the demo Canary every second, printing its status when it changes, until it reaches one of `phases`. */
async function waitForPhase(env: Record<string, string>, phases: string[], timeoutMs: number): Promise<string> {
  const canary = (): Canary => JSON.parse(kubectl(env, ['get', 'canary', 'podinfo', '-n', NAMESPACE, '-o', 'json'])) as Canary;
  const deadline = Date.now() + timeoutMs;
  let shown = '';
  while (Date.now() < deadline) {
    const st = canary().status ?? {};
    const metrics = (st.metrics ?? []).map((m) => `${m.name}=${m.value ?? '-'} (${m.result})`).join(', ');
    const line = `phase=${st.phase ?? ''} weight=${st.canaryWeight ?? 0} failedChecks=${st.failedChecks ?? 0}${metrics ? ` ${metrics}` : ''}`;
    if (line !== shown) say(line);
    shown = line;
    if (phases.includes(st.phase ?? '')) return st.phase!;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${phases.join('/')}`);
}

/** How the rollout ended: the Canary's Events, the Canary, and the image the primary runs now. */
function showOutcome(env: Record<string, string>, result: string): void {
  say(`rollout ${result}. Events:`);
  process.stdout.write(
    kubectl(env, [
      '-n',
      NAMESPACE,
      'get',
      'events',
      '--field-selector',
      'involvedObject.kind=Canary',
      '--sort-by=.lastTimestamp',
      '-o',
      'custom-columns=TYPE:.type,MESSAGE:.message',
    ]),
  );
  process.stdout.write(kubectl(env, ['-n', NAMESPACE, 'get', 'canaries', '-o', 'wide']));
  const image = kubectl(env, ['-n', NAMESPACE, 'get', 'deployment', 'podinfo-primary', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
  say(`primary now runs ${image}`);
}

export async function runDemo(opts: { exitWhenDone: boolean }): Promise<number> {
  const stateEnv = join(repoRoot, '.sluice', 'env');
  const wasUp = existsSync(stateEnv);
  say('starting the local control plane (first run builds Kubernetes from source: ~20 minutes)');
  const up = await startControlPlane();
  if (up !== 0) {
    say(`test/cluster/up.sh failed (exit ${up})`);
    return up;
  }
  const env = readEnv(stateEnv);
  // The demo prints its own progress; the operator's JSON log only says what goes wrong.
  const config = {
    ...defaultConfig(),
    kubeconfig: env.KUBECONFIG,
    metricsServer: env.PROMETHEUS_URL,
    port: 0,
    logLevel: process.env.SLUICE_LOG_LEVEL ? defaultConfig().logLevel : 'warn',
  };
  const operator = await startOperator(config);
  say(`operator running; metrics on http://127.0.0.1:${operator.metricsPort}/metrics`);

  let finished = false;
  const cleanup = async () => {
    if (finished) return;
    finished = true;
    await operator.stop();
    if (!wasUp) {
      say('stopping the local control plane');
      spawnSync('bash', [join(repoRoot, 'test/cluster/down.sh')], { stdio: 'inherit' });
    }
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));

  kubectl(env, ['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true']);
  say('applying podinfo and its Canary (provider linkerd, step 10%, max 50%, interval 3s)');
  kubectl(env, ['apply', '-f', '-'], demoManifests());

  try {
    await waitForPhase(env, ['Initialized'], 120_000);
    say('kubectl -n demo set image deployment/podinfo podinfod=ghcr.io/stefanprodan/podinfo:6.0.1');
    kubectl(env, ['-n', NAMESPACE, 'set', 'image', 'deployment/podinfo', 'podinfod=ghcr.io/stefanprodan/podinfo:6.0.1']);
    const result = await waitForPhase(env, ['Succeeded', 'Failed'], 300_000);
    showOutcome(env, result);
    if (opts.exitWhenDone) {
      await cleanup();
      return result === 'Succeeded' ? 0 : 1;
    }
    say('the operator keeps running; try another `kubectl set image` with KUBECONFIG from .sluice/env. Ctrl-C stops everything.');
    await new Promise(() => {});
    return 0;
  } catch (err) {
    say(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    await cleanup();
    return 1;
  }
}
