// The knative provider end to end (issue #15), after Flagger's test/knative/test-canary.sh: a Knative
// Service target, no primary Deployment, traffic moved between its revisions through spec.traffic, the
// primary revision in the flagger.app/primary-revision annotation. Promoted, and rolled back, by the
// operator (a real `sluice run`) on the local control plane. No Knative runs there: the traffic
// generator plays Knative's controller (test/traffic/knative.ts: revisions as Deployments, the
// Service's status) and Kourier's Envoy metrics per revision (test/traffic/observers/knative.ts).
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import { startOperator, waitForPhase, canaryEvents, deleteNamespace, applyObjects, FAST, type OperatorProcess } from './support/rollout.js';

const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const run = `${process.pid % 10000}`;
const FAULT = { SLUICE_SIM_ERROR_RATE: '0.5' };

const env = (vars: Record<string, string>) => Object.entries({ SLUICE_SIM_LATENCY_MS: '10', ...vars }).map(([name, value]) => ({ name, value }));
const container = (image: string, vars: Record<string, string> = {}) => ({ image, ports: [{ containerPort: 9898, protocol: 'TCP' }], env: env(vars) });

/** The Knative Service of Flagger's tutorial, with the simulated behaviour of its version in the env. */
const knativeService = (ns: string) => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'podinfo', namespace: ns },
  spec: { template: { spec: { containers: [container(OLD)] } } },
});

const knativeCanary = (ns: string, threshold: number) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: ns },
  spec: {
    provider: 'knative',
    targetRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'podinfo' },
    progressDeadlineSeconds: 60,
    analysis: {
      interval: FAST.interval,
      threshold,
      stepWeight: 10,
      maxWeight: 50,
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval },
        { name: 'request-duration', thresholdRange: { max: 500 }, interval: FAST.metricInterval },
      ],
    },
  },
});

const getService = (ns: string) => kubectlJson(['-n', ns, 'get', 'services.serving.knative.dev', 'podinfo']);

/** Like Flagger's script: `kubectl patch services.serving podinfo` with a new image (and the version's behaviour). */
async function setKnativeImage(ns: string, image: string, vars: Record<string, string> = {}): Promise<void> {
  const patch = [{ op: 'replace', path: '/spec/template/spec/containers/0', value: container(image, vars) }];
  await kubectl(['-n', ns, 'patch', 'services.serving.knative.dev', 'podinfo', '--type=json', '-p', JSON.stringify(patch)]);
}

describe('e2e: knative provider (Knative Service revisions, spec.traffic)', function () {
  this.timeout(15 * 60_000);
  const promote = `e2e-knative-${run}`;
  const rollback = `e2e-knativefail-${run}`;
  let operator: OperatorProcess;
  const t = (ns: string) => `podinfo.${ns}`;
  const outcome: Record<string, Promise<any>> = {};

  before(async function () {
    this.timeout(30 * 60_000);
    await ensureCluster();
    operator = await startOperator();
    for (const [ns, threshold] of [
      [promote, 5],
      [rollback, 3],
    ] as const) {
      await kubectl(['create', 'namespace', ns]).catch(() => undefined);
      await applyObjects([knativeService(ns), knativeCanary(ns, threshold)]);
    }
    await Promise.all([promote, rollback].map((ns) => waitForPhase(ns, ['Initialized'], 180_000)));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator log: ${operator?.logFile}`);
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all([promote, rollback].map(deleteNamespace));
  });

  it('initializes as Flagger does: primary-revision podinfo-00001 and spec.traffic 0 to the latest, 100 to it; no primary Deployment or Services', async () => {
    const svc = await getService(promote);
    expect(svc.metadata.annotations).to.include({ 'flagger.app/primary-revision': 'podinfo-00001' });
    expect(svc.spec.traffic).to.deep.equal([
      { latestRevision: true, percent: 0 },
      { revisionName: 'podinfo-00001', percent: 100 },
    ]);
    // The revision's pods are Knative's (the simulated controller's Deployment), never scaled by Sluice.
    const revision = await kubectlJson(['-n', promote, 'get', 'deployment', 'podinfo-00001-deployment']);
    expect(revision.spec.replicas).to.equal(1);
    for (const name of ['podinfo-primary', 'podinfo-canary']) {
      expect(await kubectl(['-n', promote, 'get', 'deployment,service', name, '--ignore-not-found', '-o', 'name'])).to.equal('');
    }
    expect(await canaryEvents(promote)).to.include(`Initialization done! ${t(promote)}`);
  });

  it('a template change is a new revision: the rollout splits traffic between podinfo-00002 and podinfo-00001, then promotes podinfo-00002', async () => {
    await setKnativeImage(promote, NEW);
    outcome.promote = waitForPhase(promote, ['Succeeded', 'Failed'], 300_000);
    const split = await waitFor(
      async () => {
        const svc = await getService(promote);
        const latest = svc.spec.traffic?.find((e: any) => e.latestRevision);
        return (latest?.percent ?? 0) > 0 ? svc : undefined;
      },
      120_000,
      { what: 'a canary weight in spec.traffic', intervalMs: 250 },
    );
    expect(split.spec.traffic[1]).to.include({ revisionName: 'podinfo-00001' });
    expect(split.spec.traffic[0].percent + split.spec.traffic[1].percent).to.equal(100);
    const status = await outcome.promote;
    expect(status.phase).to.equal('Succeeded');
    const svc = await getService(promote);
    expect(svc.metadata.annotations).to.include({ 'flagger.app/primary-revision': 'podinfo-00002' });
    expect(svc.spec.traffic).to.deep.equal([
      { latestRevision: true, percent: 0 },
      { revisionName: 'podinfo-00002', percent: 100 },
    ]);
    const events = await canaryEvents(promote);
    expect(events).to.include.members([
      `New revision detected! Scaling up ${t(promote)}`,
      `Advance ${t(promote)} canary weight 10`,
      `Advance ${t(promote)} canary weight 50`,
      `Promotion completed! Scaling down ${t(promote)}`,
    ]);
  });

  it('the admission webhook stamped the revision on the Knative Service at its template change', async () => {
    const svc = await getService(promote);
    expect(svc.metadata.annotations).to.have.property('sluice.dev/revision');
    expect(svc.metadata.annotations['sluice.dev/revision-opened-by']).to.be.a('string').and.not.equal('');
  });

  it("a failing revision is rolled back: its errors in Kourier's series halt the analysis, all traffic returns to podinfo-00001", async () => {
    await setKnativeImage(rollback, NEW, FAULT);
    const status = await waitForPhase(rollback, ['Failed', 'Succeeded'], 300_000);
    expect(status.phase).to.equal('Failed');
    const svc = await getService(rollback);
    expect(svc.metadata.annotations).to.include({ 'flagger.app/primary-revision': 'podinfo-00001' });
    expect(svc.spec.traffic).to.deep.equal([
      { latestRevision: true, percent: 0 },
      { revisionName: 'podinfo-00001', percent: 100 },
    ]);
    expect(svc.status.latestCreatedRevisionName).to.equal('podinfo-00002');
    const events = await canaryEvents(rollback);
    expect(events.some((e) => e.startsWith(`Halt ${t(rollback)} advancement`))).to.equal(true, events.join('\n'));
    expect(events).to.include.members([`Rolling back ${t(rollback)} failed checks threshold reached 3`, `Canary failed! Scaling down ${t(rollback)}`]);
  });
});
