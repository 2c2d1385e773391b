// A ConfigMap-only promotion on the local control plane: the template is unchanged, yet the
// primary's pods must restart to read the new `-primary` copy. Promotion stamps a new `flagger-id`
// on the primary's pod template, so the Deployment controller makes a new ReplicaSet.
// And a Secret-only promotion with the operator logged in as a ServiceAccount with the manifests'
// ClusterRole, which may not list or watch Secrets: the changed Secret is found by the Canary's
// next look (every analysis interval), not by a watch.
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import { promotionIdOf } from '../../src/synth/promotion-id.js';
import { CLUSTER_RULES, isGranted } from '../../src/install/permissions.js';
import {
  startOperator,
  applyObjects,
  podinfoDeployment,
  podinfoCanary,
  waitForPhase,
  canaryEvents,
  canaryStatus,
  deploymentImage,
  deleteNamespace,
  FAST,
  type OperatorProcess,
} from './support/rollout.js';
import { canIAs, serviceAccountLogin, type ServiceAccountLogin } from './support/rbac.js';

const run = `${process.pid % 10000}`;
const metrics = [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }];

/** The primary's ReplicaSets, by pod-template-hash, with their desired replicas. */
async function primaryReplicaSets(ns: string): Promise<Map<string, number>> {
  const list = await kubectlJson<{ items: any[] }>(['-n', ns, 'get', 'replicasets', '-l', 'app=podinfo-primary']);
  return new Map(list.items.map((rs) => [rs.metadata.labels['pod-template-hash'] as string, rs.spec.replicas as number]));
}

describe('e2e: a ConfigMap-only promotion rolls the primary', function () {
  this.timeout(10 * 60_000);
  let operator: OperatorProcess | undefined;
  const ns = `e2e-cfg-promo-${run}`;

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
    operator = await startOperator();
  });
  after(async () => {
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await deleteNamespace(ns);
  });

  it("the primary gets a new ReplicaSet, its pods read the -primary copy, and the flagger-id is the revision's", async () => {
    await kubectl(['create', 'namespace', ns]);
    const target = podinfoDeployment(ns, 'ghcr.io/stefanprodan/podinfo:6.0.0', 2) as any;
    target.spec.template.spec.containers[0].envFrom = [{ configMapRef: { name: 'podinfo-config' } }];
    await applyObjects([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'podinfo-config', namespace: ns }, data: { color: 'blue' } },
      target,
      podinfoCanary(ns, { provider: 'linkerd', analysis: { interval: FAST.interval, threshold: 3, stepWeight: 25, maxWeight: 50, metrics } }),
    ]);
    await waitForPhase(ns, ['Initialized'], 180_000);
    const initial = await kubectlJson<any>(['-n', ns, 'get', 'deployment', 'podinfo-primary']);
    const before = await waitFor(
      async () => {
        const sets = await primaryReplicaSets(ns);
        return sets.size === 1 ? sets : undefined;
      },
      60_000,
      { what: "the primary's first ReplicaSet" },
    );
    const [firstHash] = before.keys();

    await kubectl(['-n', ns, 'patch', 'configmap', 'podinfo-config', '--type=merge', '-p', '{"data":{"color":"green"}}']);
    await waitFor(async () => (await canaryEvents(ns)).includes(`New revision detected! Scaling up podinfo.${ns}`), 60_000, {
      what: 'rollout from a ConfigMap change',
    });
    const status = await waitForPhase(ns, ['Succeeded', 'Failed'], 240_000);
    expect(status.phase, (await canaryEvents(ns)).join('\n')).to.equal('Succeeded');

    const primary = await kubectlJson<any>(['-n', ns, 'get', 'deployment', 'podinfo-primary']);
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal('ghcr.io/stefanprodan/podinfo:6.0.0');
    expect(primary.spec.template.spec.containers[0].envFrom).to.deep.equal([{ configMapRef: { name: 'podinfo-config-primary' } }]);
    expect(primary.metadata.generation).to.be.greaterThan(initial.metadata.generation);
    // Derived from what the status records about the promoted revision, not random.
    expect(primary.spec.template.metadata.annotations['flagger-id']).to.equal(promotionIdOf(await canaryStatus(ns)));

    const after = await waitFor(
      async () => {
        const sets = await primaryReplicaSets(ns);
        const live = [...sets].filter(([, replicas]) => replicas > 0);
        return live.length === 1 && live[0][0] !== firstHash ? sets : undefined;
      },
      120_000,
      { what: 'a new primary ReplicaSet serving every pod, the first scaled to zero' },
    );
    expect(after.size).to.equal(2);
    expect(after.get(firstHash)).to.equal(0);

    const copy = await kubectlJson<any>(['-n', ns, 'get', 'configmap', 'podinfo-config-primary']);
    expect(copy.data).to.deep.equal({ color: 'green' });
  });
});

describe('e2e: a Secret-only promotion, the operator under RBAC that cannot list or watch Secrets', function () {
  this.timeout(10 * 60_000);
  let operator: OperatorProcess | undefined;
  let login: ServiceAccountLogin | undefined;
  const ns = `e2e-secret-promo-${run}`;
  const operatorNs = `e2e-secret-op-${run}`;
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
    await kubectl(['create', 'namespace', operatorNs]);
    // The manifests' ClusterRole: no optional feature's rules (this operator serves no rollout page).
    const manifestsRules = CLUSTER_RULES.filter((r) => isGranted(r, []));
    login = await serviceAccountLogin(operatorNs, 'sluice', manifestsRules);
    // No webhooks: registering them is the installer's job in a cluster (the ClusterRole cannot create them).
    operator = await startOperator({ KUBECONFIG: login.kubeconfig, SLUICE_WEBHOOKS: 'false' });
  });
  after(async () => {
    await operator?.kill('SIGTERM');
    await login?.remove();
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all([deleteNamespace(ns), deleteNamespace(operatorNs)]);
  });

  it('the ServiceAccount may get Secrets but not list or watch them', async () => {
    expect(await canIAs(login!.user, 'get', 'secrets')).to.equal('yes');
    expect(await canIAs(login!.user, 'list', 'secrets')).to.equal('no');
    expect(await canIAs(login!.user, 'watch', 'secrets')).to.equal('no');
  });

  it('a changed Secret the target reads starts a rollout that promotes it: the -primary copy holds the new data', async () => {
    await kubectl(['create', 'namespace', ns]);
    const target = podinfoDeployment(ns, 'ghcr.io/stefanprodan/podinfo:6.0.0', 2) as any;
    target.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: 'podinfo-secret' } }];
    await applyObjects([
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'podinfo-secret', namespace: ns }, type: 'Opaque', data: { token: b64('blue') } },
      target,
      podinfoCanary(ns, { provider: 'linkerd', analysis: { interval: FAST.interval, threshold: 3, stepWeight: 25, maxWeight: 50, metrics } }),
    ]);
    const initialized = await waitForPhase(ns, ['Initialized'], 180_000);
    expect(Object.keys(initialized.trackedConfigs ?? {})).to.deep.equal(['secret/podinfo-secret']);
    const copy = await kubectlJson<any>(['-n', ns, 'get', 'secret', 'podinfo-secret-primary']);
    expect(copy.data).to.deep.equal({ token: b64('blue') });

    await kubectl(['-n', ns, 'patch', 'secret', 'podinfo-secret', '--type=merge', '-p', JSON.stringify({ data: { token: b64('green') } })]);
    await waitFor(async () => (await canaryEvents(ns)).includes(`New revision detected! Scaling up podinfo.${ns}`), 60_000, {
      what: 'rollout from a Secret change',
    });
    const status = await waitForPhase(ns, ['Succeeded', 'Failed'], 240_000);
    expect(status.phase, (await canaryEvents(ns)).join('\n')).to.equal('Succeeded');
    expect(status.trackedConfigs['secret/podinfo-secret']).to.not.equal(initialized.trackedConfigs['secret/podinfo-secret']);

    const primary = await kubectlJson<any>(['-n', ns, 'get', 'deployment', 'podinfo-primary']);
    expect(primary.spec.template.spec.containers[0].envFrom).to.deep.equal([{ secretRef: { name: 'podinfo-secret-primary' } }]);
    const promoted = await kubectlJson<any>(['-n', ns, 'get', 'secret', 'podinfo-secret-primary']);
    expect(promoted.data).to.deep.equal({ token: b64('green') });
    // Nothing the operator did was refused: its ClusterRole covers what it does. (A namespace of
    // an earlier test being deleted also answers 403, NamespaceTerminating: not an RBAC refusal.)
    const refusals = (operator!.logs().match(/.*forbidden.*/gi) ?? []).filter((line) => !line.includes('NamespaceTerminating'));
    expect(refusals).to.deep.equal([]);
  });
});
