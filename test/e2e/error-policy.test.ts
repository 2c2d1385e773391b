// The error policy end to end (src/controller/reconcile-handler.ts, stall.ts): a Canary whose spec
// cannot be carried out is a terminal error. It gets one Warning Event and the Stalled condition
// with the reason, the operator says so once in its log and does not retry it on a timer, and the
// Canary goes on by itself once what was wrong is fixed: no restart. Three such Canaries, each
// accepted by the apiserver: an nginx Canary whose ingressRef names no Ingress (ReferenceNotFound),
// one whose Ingress has no backend for its Service (InvalidSpec, from synthesis), and one whose
// spec validation refuses, created while no webhook was there to refuse it (InvalidSpec).
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import {
  applyObjects,
  canaryStatus,
  createApp,
  deleteNamespace,
  podinfoCanary,
  startOperator,
  waitForPhase,
  FAST,
  type OperatorProcess,
} from './support/rollout.js';

const run = `${process.pid % 10000}`;
/** How long the operator must stay quiet about a stalled Canary. */
const QUIET_MS = 10_000;

const ns = { missing: `e2e-stall-ref-${run}`, backend: `e2e-stall-backend-${run}`, spec: `e2e-stall-spec-${run}` };

const analysis = {
  interval: FAST.interval,
  threshold: 5,
  stepWeight: 10,
  maxWeight: 50,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }],
};

const nginxCanary = (namespace: string) =>
  podinfoCanary(namespace, {
    provider: 'nginx',
    ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' },
    service: { port: 80, targetPort: 9898 },
    analysis,
  });

const ingress = (namespace: string, backend: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'podinfo', namespace },
  spec: {
    ingressClassName: 'nginx',
    rules: [
      {
        host: `app-${namespace}.example.com`,
        http: { paths: [{ pathType: 'Prefix', path: '/', backend: { service: { name: backend, port: { number: 80 } } } }] },
      },
    ],
  },
});

/** The Canary's Warning Events, as the apiserver has them. */
async function warnings(namespace: string): Promise<any[]> {
  const list = await kubectlJson<{ items: any[] }>([
    '-n',
    namespace,
    'get',
    'events',
    '--field-selector',
    'involvedObject.kind=Canary,involvedObject.name=podinfo,type=Warning',
  ]);
  return list.items;
}

/**
 * The Warning Events that say why the Canary stalled. Once it goes on, a loaded machine may add
 * others of its own (a primary not ready yet while it initializes); those are not the stall's.
 */
async function stallWarnings(namespace: string, message: string): Promise<any[]> {
  return (await warnings(namespace)).filter((e) => e.message === message && (e.count ?? 1) === 1);
}

const stalledOf = (status: any) => (status.conditions ?? []).find((c: any) => c.type === 'Stalled');

/** Warn and error lines of the operator's log about the Canary in `namespace`. */
function complaints(operator: OperatorProcess, namespace: string): string[] {
  return operator
    .logs()
    .split('\n')
    .filter((line) => {
      if (!line.includes(`${namespace}/podinfo`)) return false;
      try {
        return ['warn', 'error', 'fatal'].includes(JSON.parse(line).level);
      } catch {
        return false;
      }
    });
}

describe('e2e: the error policy (a spec that cannot be carried out stalls the Canary, once, until it is fixed)', function () {
  this.timeout(10 * 60_000);
  let operator: OperatorProcess;
  const stalled: Record<keyof typeof ns, any> = {} as never;

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
    // Created before the operator (and its validating webhook) is there: the apiserver's schema
    // takes a stepWeight over maxWeight, only Sluice's validation refuses it.
    await createApp({ namespace: ns.spec, canary: podinfoCanary(ns.spec, { provider: 'istio', analysis: { ...analysis, stepWeight: 60 } }) });
    operator = await startOperator();
    await createApp({ namespace: ns.missing, canary: nginxCanary(ns.missing) });
    await createApp({ namespace: ns.backend, canary: nginxCanary(ns.backend), extra: [ingress(ns.backend, 'some-other-service')] });
    for (const key of Object.keys(ns) as (keyof typeof ns)[]) {
      stalled[key] = await waitFor(async () => stalledOf(await canaryStatus(ns[key])), 180_000, {
        what: `the Stalled condition of ${ns[key]}/podinfo`,
        intervalMs: 500,
      });
    }
    // Long enough for a retry loop to show, had there been one (the backoff starts at 1 s).
    await new Promise((r) => setTimeout(r, QUIET_MS));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator log: ${operator?.logFile}`);
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all(Object.values(ns).map(deleteNamespace));
  });

  const expected = {
    missing: { reason: 'ReferenceNotFound', message: `spec.ingressRef names Ingress ${ns.missing}/podinfo, which does not exist` },
    backend: { reason: 'InvalidSpec', message: /spec\.ingressRef: Ingress podinfo has no backend for Service podinfo$/ },
    spec: { reason: 'InvalidSpec', message: 'Invalid canary spec: spec.analysis.stepWeight: must not exceed maxWeight (50), got 60' },
  };

  for (const key of Object.keys(ns) as (keyof typeof ns)[]) {
    it(`${key}: one Warning Event and the Stalled condition with reason ${expected[key].reason}; the log says it once in ${QUIET_MS / 1000} s`, async () => {
      const namespace = ns[key];
      const { reason, message } = expected[key];
      expect(stalled[key]).to.include({ status: 'True', reason });
      if (typeof message === 'string') expect(stalled[key].message).to.equal(message);
      else expect(stalled[key].message).to.match(message);

      const events = await warnings(namespace);
      expect(
        events.map((e) => e.message),
        'Warning Events',
      ).to.deep.equal([stalled[key].message]);
      expect(events[0].count ?? 1, 'times the Event was recorded').to.equal(1);

      const lines = complaints(operator, namespace);
      expect(lines, lines.join('\n')).to.have.length(1);
      expect(JSON.parse(lines[0])).to.include({
        canary: `${namespace}/podinfo`,
        reason,
        msg: `canary stalled (${reason}) until its spec or what it references changes: ${stalled[key].message}`,
      });
      expect(operator.logs(), 'retried as a failure').to.not.include(`reconcile of ${namespace}/podinfo failed`);
      expect((await canaryStatus(namespace)).phase).to.not.equal('Initialized');
    });
  }

  it('missing: once the Ingress exists the Canary initializes by itself (it is watched), and Stalled is gone', async () => {
    await applyObjects([ingress(ns.missing, 'podinfo')]);
    const status = await waitForPhase(ns.missing, ['Initialized'], 180_000);
    expect(stalledOf(status)).to.equal(undefined);
    const copy = await kubectlJson(['-n', ns.missing, 'get', 'ingress', 'podinfo-canary']);
    expect(copy.spec.rules[0].http.paths[0].backend.service.name).to.equal('podinfo-canary');
    expect(operator.child.exitCode, 'the operator was not restarted').to.equal(null);
    expect(await stallWarnings(ns.missing, stalled.missing.message), "the stall's Warning, still once").to.have.length(1);
  });

  it("backend: once the Ingress routes to the Canary's Service the Canary initializes by itself, and Stalled is gone", async () => {
    await applyObjects([ingress(ns.backend, 'podinfo')]);
    const status = await waitForPhase(ns.backend, ['Initialized'], 180_000);
    expect(stalledOf(status)).to.equal(undefined);
    expect(operator.child.exitCode).to.equal(null);
    expect(await stallWarnings(ns.backend, stalled.backend.message), "the stall's Warning, still once").to.have.length(1);
  });

  it('spec: once the spec is fixed (a new generation) the Canary initializes, and Stalled is gone', async () => {
    await kubectl(['-n', ns.spec, 'patch', 'canary', 'podinfo', '--type=merge', '-p', JSON.stringify({ spec: { analysis: { stepWeight: 10 } } })]);
    const status = await waitForPhase(ns.spec, ['Initialized'], 180_000);
    expect(stalledOf(status)).to.equal(undefined);
    expect(operator.child.exitCode).to.equal(null);
    expect(await stallWarnings(ns.spec, stalled.spec.message), "the stall's Warning, still once").to.have.length(1);
  });
});
