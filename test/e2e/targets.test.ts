// Targets and autoscalers beyond a Deployment with an HPA, end to end: a DaemonSet target (its pods
// scheduled onto the kwok nodes by the real DaemonSet controller), a Deployment scaled by a KEDA
// ScaledObject, and a Service target (Flagger's ServiceController: the rollout is a change of the
// Service's spec, here its selector moving from one Deployment's pods to another's). No KEDA operator runs here: the apiserver validates the ScaledObjects against
// KEDA's CRD (crds/providers/keda-scaledobject.yaml), and the tests check what Sluice writes to
// them (the primary's copy, the pause annotation), not any scaling KEDA would do.
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import {
  appDeployment,
  applyObjects,
  canaryEvents,
  canaryStatus,
  deleteNamespace,
  deploymentImage,
  FAST,
  podinfoCanary,
  podinfoDeployment,
  setImage,
  startOperator,
  waitForPhase,
  type OperatorProcess,
} from './support/rollout.js';

const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const run = `${process.pid % 10000}`;
const PAUSED = 'autoscaling.keda.sh/paused-replicas';
const FAULT = { SLUICE_SIM_ERROR_RATE: '0.5' };

const analysis = {
  interval: FAST.interval,
  threshold: 2,
  iterations: 3,
  metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }],
};

/** podinfo as a DaemonSet: one pod on each kwok node. */
function podinfoDaemonSet(ns: string): Record<string, any> {
  const d = podinfoDeployment(ns, OLD, 1) as Record<string, any>;
  const { replicas: _none, ...spec } = d.spec;
  return { ...d, kind: 'DaemonSet', spec: { ...spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 3 } } } };
}

function scaledObject(ns: string): Record<string, unknown> {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'podinfo-so', namespace: ns },
    spec: {
      scaleTargetRef: { name: 'podinfo' },
      pollingInterval: 10,
      minReplicaCount: 1,
      maxReplicaCount: 3,
      triggers: [
        {
          type: 'prometheus',
          name: 'requests',
          metadata: { serverAddress: 'http://prometheus:9090', query: 'sum(rate(http_requests_total{app="podinfo-canary"}[10s]))', threshold: '5' },
        },
        { type: 'cpu', name: 'cpu', metricType: 'Utilization', metadata: { value: '80' } },
      ],
    },
  };
}

/**
 * The success rate of the canary DaemonSet's pods. Not the builtin: its pod name pattern (Flagger's,
 * `<target>-<hash>-<hash>`) is a Deployment's, so for a DaemonSet target it matches only the
 * primary's pods (`podinfo-primary-<hash>`), in Flagger as in Sluice (README, limits).
 */
function daemonSetSuccessRate(ns: string): Record<string, unknown> {
  const pods = `kubernetes_namespace="${ns}",kubernetes_pod_name=~"podinfo-[0-9a-z]{5}"`;
  return {
    name: 'canary-success-rate',
    thresholdRange: { min: 99 },
    interval: FAST.metricInterval,
    query: `sum(rate(http_request_duration_seconds_count{${pods},status!~"5.*"}[${FAST.metricInterval}])) / sum(rate(http_request_duration_seconds_count{${pods}}[${FAST.metricInterval}])) * 100`,
  };
}

/** The Service a Service target's Canary names: podinfo, serving the pods of the Deployment `app`. */
function podinfoService(ns: string, app: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'podinfo', namespace: ns, labels: { 'app.kubernetes.io/name': 'podinfo' } },
    spec: { selector: { app }, ports: [{ name: 'http', port: 9898, targetPort: 'http' }] },
  };
}

/** The success rate of podinfo-v2's pods, the version a Service target's rollout moves to. */
function v2SuccessRate(ns: string): Record<string, unknown> {
  const pods = `kubernetes_namespace="${ns}",kubernetes_pod_name=~"podinfo-v2-[0-9a-z]+-[0-9a-z]+"`;
  return {
    name: 'v2-success-rate',
    thresholdRange: { min: 99 },
    interval: FAST.metricInterval,
    query: `sum(rate(http_request_duration_seconds_count{${pods},status!~"5.*"}[${FAST.metricInterval}])) / sum(rate(http_request_duration_seconds_count{${pods}}[${FAST.metricInterval}])) * 100`,
  };
}

interface Scenario {
  readonly ns: string;
  readonly kind: 'DaemonSet' | 'Deployment' | 'Service';
  readonly objects: Record<string, unknown>[];
  readonly fault?: Record<string, string>;
  /** Whether a new revision is rolled out after initialization; default true. */
  readonly rollout?: boolean;
}

function scenarios(): Record<string, Scenario> {
  const ns = (key: string) => `e2e-${key}-${run}`;
  const dsCanary = (n: string) =>
    podinfoCanary(n, {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'podinfo' },
      analysis: { ...analysis, threshold: 5, metrics: [daemonSetSuccessRate(n)] },
    });
  const kedaCanary = (n: string) =>
    podinfoCanary(n, {
      provider: 'kubernetes',
      autoscalerRef: {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        name: 'podinfo-so',
        primaryScalerQueries: { requests: 'sum(rate(http_requests_total{app="podinfo-primary"}[10s]))' },
        primaryScalerReplicas: { minReplicas: 2, maxReplicas: 5 },
      },
      analysis,
    });
  const ds = (key: string, fault?: Record<string, string>): Scenario => ({
    ns: ns(key),
    kind: 'DaemonSet',
    objects: [podinfoDaemonSet(ns(key)), dsCanary(ns(key))],
    ...(fault ? { fault } : {}),
  });
  const keda = (key: string, fault?: Record<string, string>): Scenario => ({
    ns: ns(key),
    kind: 'Deployment',
    objects: [scaledObject(ns(key)), podinfoDeployment(ns(key), OLD, 1), kedaCanary(ns(key))],
    ...(fault ? { fault } : {}),
  });
  const kedaRevert: Scenario = { ...keda('kedarevert'), rollout: false };
  (kedaRevert.objects[2] as any).spec.revertOnDeletion = true;
  const svcTarget = { apiVersion: 'core/v1', kind: 'Service', name: 'podinfo' };
  const svc = (key: string, canarySpec: Record<string, unknown>, fault?: Record<string, string>): Scenario => ({
    ns: ns(key),
    kind: 'Service',
    objects: [
      appDeployment(ns(key), 'podinfo', OLD),
      appDeployment(ns(key), 'podinfo-v2', NEW, 1, fault),
      podinfoService(ns(key), 'podinfo'),
      podinfoCanary(ns(key), { targetRef: svcTarget, service: { port: 9898 }, ...canarySpec }),
    ],
  });
  // Flagger's e2e of a Service target: the kubernetes provider, Blue/Green.
  const blueGreen = { provider: 'kubernetes', analysis: { ...analysis, threshold: 5, metrics: [v2SuccessRate(ns('svc'))] } };
  const blueGreenFail = { provider: 'kubernetes', analysis: { ...analysis, threshold: 5, metrics: [v2SuccessRate(ns('svcfail'))] } };
  const gateway = {
    provider: 'gatewayapi:v1',
    service: { port: 9898, gatewayRefs: [{ name: 'gateway', namespace: ns('svcgw') }] },
    analysis: { interval: FAST.interval, threshold: 5, maxWeight: 30, stepWeight: 15, metrics: [v2SuccessRate(ns('svcgw'))] },
  };
  return {
    ds: ds('ds'),
    dsfail: ds('dsfail', FAULT),
    keda: keda('keda'),
    kedafail: keda('kedafail', FAULT),
    kedarevert: kedaRevert,
    svc: svc('svc', blueGreen),
    svcfail: svc('svcfail', blueGreenFail, FAULT),
    svcgw: svc('svcgw', gateway),
  };
}

/** `kubectl set image` on the DaemonSet, with the simulated behaviour of the new version. */
async function setDaemonSetImage(ns: string, image: string, env: Record<string, string> = {}): Promise<void> {
  const container = { name: 'podinfod', image, env: Object.entries({ SLUICE_SIM_LATENCY_MS: '10', ...env }).map(([name, value]) => ({ name, value })) };
  await kubectl([
    '-n',
    ns,
    'patch',
    'daemonset',
    'podinfo',
    '--type=strategic',
    '-p',
    JSON.stringify({ spec: { template: { spec: { containers: [container] } } } }),
  ]);
}

const daemonSet = (ns: string, name: string) => kubectlJson(['-n', ns, 'get', 'daemonset', name]);
const service = (ns: string, name: string) => kubectlJson(['-n', ns, 'get', 'service', name]);
/** The rollout of a Service target: the Service now selects podinfo-v2's pods. */
const selectV2 = (ns: string) =>
  kubectl(['-n', ns, 'patch', 'service', 'podinfo', '--type=merge', '-p', JSON.stringify({ spec: { selector: { app: 'podinfo-v2' } } })]);
const scaledObjectOf = (ns: string, name: string) => kubectlJson(['-n', ns, 'get', 'scaledobjects.keda.sh', name]);

describe('e2e: DaemonSet targets and KEDA ScaledObject autoscalers', function () {
  this.timeout(15 * 60_000);
  const all = scenarios();
  let operator: OperatorProcess;
  /** What each Canary's objects looked like right after initialization. */
  const initialized: Record<string, { status: any; target: any; scaler?: any; primaryScaler?: any; copies?: { primary: any; canary: any }; deployment?: any }> =
    {};
  /** The target's ScaledObject while a rollout was under way. */
  const duringRollout: Record<string, Promise<any>> = {};
  const outcome: Record<string, Promise<any>> = {};

  before(async function () {
    this.timeout(30 * 60_000);
    await ensureCluster();
    operator = await startOperator();
    for (const s of Object.values(all)) {
      await kubectl(['create', 'namespace', s.ns]).catch(() => undefined);
      await applyObjects(s.objects);
    }
    await Promise.all(
      Object.entries(all).map(async ([key, s]) => {
        const status = await waitForPhase(s.ns, ['Initialized'], 180_000);
        const target =
          s.kind === 'DaemonSet'
            ? await waitFor(
                async () => {
                  const d = await daemonSet(s.ns, 'podinfo');
                  return d.status?.desiredNumberScheduled === 0 && d;
                },
                60_000,
                { what: 'DaemonSet podinfo off every node' },
              )
            : await kubectlJson(['-n', s.ns, 'get', 'deployment', 'podinfo']);
        if (s.kind === 'Service') {
          const copies = { primary: await service(s.ns, 'podinfo-primary'), canary: await service(s.ns, 'podinfo-canary') };
          initialized[key] = { status, target: await service(s.ns, 'podinfo'), copies, deployment: target };
          return;
        }
        initialized[key] =
          s.kind === 'DaemonSet'
            ? { status, target }
            : { status, target, scaler: await scaledObjectOf(s.ns, 'podinfo-so'), primaryScaler: await scaledObjectOf(s.ns, 'podinfo-so-primary') };
      }),
    );
    for (const [key, s] of Object.entries(all)) {
      if (s.rollout === false) continue;
      if (s.kind === 'DaemonSet') await setDaemonSetImage(s.ns, NEW, s.fault);
      else if (s.kind === 'Service') await selectV2(s.ns);
      else await setImage(s.ns, NEW, { SLUICE_SIM_LATENCY_MS: '10', ...s.fault });
      if (s.kind === 'Deployment') {
        duringRollout[key] = waitFor(
          async () => ((await canaryStatus(s.ns)).phase === 'Progressing' ? scaledObjectOf(s.ns, 'podinfo-so') : undefined),
          120_000,
          { what: `${key} Progressing`, intervalMs: 300 },
        );
        duringRollout[key].catch(() => undefined);
      }
      outcome[key] = waitForPhase(s.ns, ['Succeeded', 'Failed'], 300_000);
      outcome[key].catch(() => undefined);
    }
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator log: ${operator?.logFile}`);
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all(Object.values(all).map((s) => deleteNamespace(s.ns)));
  });

  const t = (key: string) => `podinfo.${all[key].ns}`;
  const events = async (key: string) => (await canaryEvents(all[key].ns)).join('\n');

  describe('DaemonSet', () => {
    it('initializes: a primary DaemonSet on every node, the target kept off all of them by flagger.app/scale-to-zero', async () => {
      const { ns } = all.ds;
      const { status, target } = initialized.ds;
      expect(status.conditions.find((c: any) => c.type === 'Promoted').message).to.equal('DaemonSet initialization completed.');
      expect(target.spec.template.spec.nodeSelector).to.deep.equal({ 'flagger.app/scale-to-zero': 'true' });
      const primary = await daemonSet(ns, 'podinfo-primary');
      expect(primary.spec.selector.matchLabels).to.deep.equal({ app: 'podinfo-primary' });
      expect(primary.spec.template.spec.nodeSelector ?? {}).to.not.have.property('flagger.app/scale-to-zero');
      expect(primary.status.desiredNumberScheduled).to.equal(3);
      const nodes = (await kubectlJson(['get', 'nodes'])).items.length;
      const pods = (await kubectlJson(['-n', ns, 'get', 'pods', '-l', 'app=podinfo-primary'])).items;
      expect(new Set(pods.map((p: any) => p.spec.nodeName)).size).to.equal(nodes);
    });

    it('promotes: the new template on the primary DaemonSet, the target off every node again', async () => {
      const { ns } = all.ds;
      const st = await outcome.ds;
      expect(st.phase, await events('ds')).to.equal('Succeeded');
      const log = await canaryEvents(ns);
      const expected = [
        `Initialization done! ${t('ds')}`,
        `New revision detected! Scaling up ${t('ds')}`,
        `Advance ${t('ds')} canary iteration 3/3`,
        `Copying ${t('ds')} template spec to podinfo-primary.${ns}`,
        `Promotion completed! Scaling down ${t('ds')}`,
      ];
      expect(log.filter((e) => expected.includes(e))).to.deep.equal(expected);
      const primary = await daemonSet(ns, 'podinfo-primary');
      expect(primary.spec.template.spec.containers[0].image).to.equal(NEW);
      const target = await waitFor(
        async () => {
          const d = await daemonSet(ns, 'podinfo');
          return d.status?.desiredNumberScheduled === 0 && d;
        },
        60_000,
        { what: 'target off every node' },
      );
      expect(target.spec.template.spec.nodeSelector).to.deep.equal({ 'flagger.app/scale-to-zero': 'true' });
      expect(target.spec.template.spec.containers[0].image).to.equal(NEW);
      // Scaling is not a revision: the promoted spec is the one of the new template.
      expect(st.lastPromotedSpec).to.equal(st.lastAppliedSpec);
    });

    it('rolls back on errors: the primary keeps the old template, the target is off every node', async () => {
      const { ns } = all.dsfail;
      const st = await outcome.dsfail;
      expect(st.phase, await events('dsfail')).to.equal('Failed');
      expect(await canaryEvents(ns)).to.include(`Canary failed! Scaling down ${t('dsfail')}`);
      expect((await daemonSet(ns, 'podinfo-primary')).spec.template.spec.containers[0].image).to.equal(OLD);
      const target = await daemonSet(ns, 'podinfo');
      expect(target.spec.template.spec.nodeSelector).to.deep.equal({ 'flagger.app/scale-to-zero': 'true' });
    });
  });

  describe('KEDA ScaledObject', () => {
    it("initializes: podinfo-so-primary aimed at the primary, with the given query and replicas; the target's paused", async () => {
      const { scaler, primaryScaler, target, status } = initialized.keda;
      expect(status.conditions.find((c: any) => c.type === 'Promoted').message).to.equal('Deployment initialization completed.');
      expect(target.spec.replicas).to.equal(0);
      expect(scaler.metadata.annotations?.[PAUSED]).to.equal('0');
      expect(primaryScaler.metadata.annotations?.[PAUSED]).to.equal(undefined);
      expect(primaryScaler.metadata.ownerReferences[0]).to.include({ kind: 'Canary', name: 'podinfo' });
      expect(primaryScaler.spec).to.deep.include({ minReplicaCount: 2, maxReplicaCount: 5, pollingInterval: 10 });
      expect(primaryScaler.spec.scaleTargetRef).to.deep.equal({ name: 'podinfo-primary' });
      const [requests, cpu] = primaryScaler.spec.triggers;
      expect(requests.metadata.query).to.equal('sum(rate(http_requests_total{app="podinfo-primary"}[10s]))');
      expect(cpu).to.deep.equal(scaler.spec.triggers[1]);
    });

    it("resumes the target's ScaledObject while the rollout runs", async () => {
      const during = await duringRollout.keda;
      expect(during.metadata.annotations ?? {}).to.not.have.property(PAUSED);
    });

    it("promotes, then pauses the target's ScaledObject again with the target at zero", async () => {
      const { ns } = all.keda;
      const st = await outcome.keda;
      expect(st.phase, await events('keda')).to.equal('Succeeded');
      expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
      const scaler = await scaledObjectOf(ns, 'podinfo-so');
      expect(scaler.metadata.annotations?.[PAUSED]).to.equal('0');
      expect((await kubectlJson(['-n', ns, 'get', 'deployment', 'podinfo'])).spec.replicas).to.equal(0);
      // The primary has no replica count of Sluice's: its ScaledObject owns it.
      const managed = JSON.stringify(
        (await kubectlJson(['-n', ns, 'get', 'deployment', 'podinfo-primary', '--show-managed-fields'])).metadata.managedFields.filter((f: any) =>
          f.manager.startsWith('sluice'),
        ),
      );
      expect(managed).to.not.include('"f:replicas"');
    });

    it("rolls back on errors and pauses the target's ScaledObject", async () => {
      const { ns } = all.kedafail;
      const st = await outcome.kedafail;
      expect(st.phase, await events('kedafail')).to.equal('Failed');
      expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(OLD);
      expect((await scaledObjectOf(ns, 'podinfo-so')).metadata.annotations?.[PAUSED]).to.equal('0');
      expect((await duringRollout.kedafail).metadata.annotations ?? {}).to.not.have.property(PAUSED);
    });

    it('revertOnDeletion: a deleted Canary hands the target back with its ScaledObject resumed', async () => {
      const { ns } = all.kedarevert;
      expect(initialized.kedarevert.scaler.metadata.annotations?.[PAUSED]).to.equal('0');
      await kubectl(['-n', ns, 'delete', 'canary', 'podinfo', '--wait=false']);
      await waitFor(async () => (await kubectl(['-n', ns, 'get', 'canaries', '-o', 'name'])).trim() === '', 120_000, { what: 'Canary released' });
      expect((await scaledObjectOf(ns, 'podinfo-so')).metadata.annotations ?? {}).to.not.have.property(PAUSED);
      expect((await kubectlJson(['-n', ns, 'get', 'deployment', 'podinfo'])).spec.replicas).to.be.at.least(1);
    });

    it("the apiserver refuses a ScaledObject that KEDA's CRD refuses (the schema is real)", async () => {
      const bad = { ...scaledObject(all.keda.ns), metadata: { name: 'no-triggers', namespace: all.keda.ns }, spec: { scaleTargetRef: { name: 'podinfo' } } };
      const err = await applyObjects([bad]).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(String(err)).to.match(/triggers: Required value/);
    });
  });

  describe('Service target', () => {
    it('initializes: podinfo-primary and podinfo-canary copied from the Service, owned by the Canary; nothing else made or scaled', async () => {
      const { ns } = all.svc;
      const { status, target, copies, deployment } = initialized.svc;
      expect(status.conditions.find((c: any) => c.type === 'Promoted').message).to.equal('Service initialization completed.');
      for (const copy of [copies!.primary, copies!.canary]) {
        expect(copy.spec.selector).to.deep.equal({ app: 'podinfo' });
        expect(copy.spec.ports[0]).to.deep.include({ name: 'http', port: 9898, targetPort: 'http' });
        expect(copy.metadata.ownerReferences[0]).to.include({ kind: 'Canary', name: 'podinfo', controller: true });
        // Its own cluster IP, allocated by the apiserver: the target's is not copied.
        expect(copy.spec.clusterIP).to.be.a('string').and.not.equal(target.spec.clusterIP);
      }
      // The canary's copy keeps the target's labels; the primary's only -include-label-prefix's (none by default).
      expect(copies!.canary.metadata.labels).to.deep.equal({ 'app.kubernetes.io/name': 'podinfo' });
      expect(copies!.primary.metadata.labels ?? {}).to.deep.equal({});
      // The target is the user's: not owned, not switched; no workload is copied or scaled.
      expect(target.metadata.ownerReferences ?? []).to.deep.equal([]);
      expect(target.spec.selector).to.deep.equal({ app: 'podinfo' });
      expect(deployment.spec.replicas).to.equal(1);
      const deployments = (await kubectlJson(['-n', ns, 'get', 'deployments'])).items.map((d: any) => d.metadata.name).sort();
      expect(deployments).to.deep.equal(['podinfo', 'podinfo-v2']);
      const services = (await kubectlJson(['-n', ns, 'get', 'services'])).items.map((d: any) => d.metadata.name).sort();
      expect(services).to.deep.equal(['podinfo', 'podinfo-canary', 'podinfo-primary']);
    });

    it("promotes (kubernetes provider, Blue/Green): the Service's new spec copied to podinfo-primary, with Flagger's Events", async () => {
      const { ns } = all.svc;
      const st = await outcome.svc;
      expect(st.phase, await events('svc')).to.equal('Succeeded');
      const expected = [
        `Initialization done! ${t('svc')}`,
        `New revision detected! Scaling up ${t('svc')}`,
        `Advance ${t('svc')} canary iteration 3/3`,
        `Copying ${t('svc')} template spec to podinfo-primary.${ns}`,
        `Promotion completed! Scaling down ${t('svc')}`,
      ];
      expect((await canaryEvents(ns)).filter((e) => expected.includes(e))).to.deep.equal(expected);
      expect((await service(ns, 'podinfo-primary')).spec.selector).to.deep.equal({ app: 'podinfo-v2' });
      expect((await service(ns, 'podinfo-canary')).spec.selector).to.deep.equal({ app: 'podinfo-v2' });
      expect(st.lastPromotedSpec).to.equal(st.lastAppliedSpec);
      // Nothing was scaled down: Flagger's "Scaling down" says what its ServiceController does not do.
      expect((await kubectlJson(['-n', ns, 'get', 'deployment', 'podinfo'])).spec.replicas).to.equal(1);
    });

    it('rolls back on errors of the new pods: podinfo-primary keeps the old selector', async () => {
      const { ns } = all.svcfail;
      const st = await outcome.svcfail;
      expect(st.phase, await events('svcfail')).to.equal('Failed');
      expect(await canaryEvents(ns)).to.include(`Canary failed! Scaling down ${t('svcfail')}`);
      expect((await service(ns, 'podinfo-primary')).spec.selector).to.deep.equal({ app: 'podinfo' });
      expect((await service(ns, 'podinfo-canary')).spec.selector).to.deep.equal({ app: 'podinfo-v2' });
      expect(st.lastPromotedSpec).to.not.equal(st.lastAppliedSpec);
    });

    it('promotes through the Gateway API: the HTTPRoute steps its weights between the copies, then routes all to podinfo-primary', async () => {
      const { ns } = all.svcgw;
      const st = await outcome.svcgw;
      expect(st.phase, await events('svcgw')).to.equal('Succeeded');
      const log = await canaryEvents(ns);
      const expected = [
        `Advance ${t('svcgw')} canary weight 15`,
        `Advance ${t('svcgw')} canary weight 30`,
        `Copying ${t('svcgw')} template spec to podinfo-primary.${ns}`,
      ];
      expect(log.filter((e) => expected.includes(e))).to.deep.equal(expected);
      const route = await kubectlJson(['-n', ns, 'get', 'httproutes.gateway.networking.k8s.io', 'podinfo']);
      const backends = route.spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight]);
      expect(backends).to.deep.equal([
        ['podinfo-primary', 100],
        ['podinfo-canary', 0],
      ]);
      expect((await service(ns, 'podinfo-primary')).spec.selector).to.deep.equal({ app: 'podinfo-v2' });
    });
  });
});
