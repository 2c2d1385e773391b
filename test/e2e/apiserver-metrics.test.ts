// The two metric backends that read the Kubernetes API, against the real apiserver of the local
// control plane, as the operator's ServiceAccount bound to the ClusterRole the manifests install
// (src/install/permissions.ts), so a missing grant fails here as it would in a cluster:
//   externalmetrics  through the aggregation layer: an APIService and a small adapter of the tests'
//                    own (support/external-metrics-adapter.ts; TLS both ways, front-proxy identity)
//   keptn            KeptnMetric and Analysis CRDs (crds/providers/keptn-*.yaml); no Keptn operator
//                    runs here, so the test writes a KeptnMetric's status and completes Analyses as
//                    Keptn's metrics operator would
import { expect } from 'chai';
import { ensureCluster, kubectl } from '../support/cluster.js';
import { KubeClient, loadKubeConfig, type KubeObject, type ResourceType } from '../../src/kube/index.js';
import { CLUSTER_RULES, isGranted } from '../../src/install/permissions.js';
import { resolveCanary } from '../../src/api/defaults.js';
import type { Canary, CanaryMetric } from '../../src/api/types.js';
import { runMetricChecks, type MetricVerdict } from '../../src/analysis/run-checks.js';
import { clusterMetricDeps, kubeAccess } from '../../src/controller/cluster-metric-deps.js';
import { checkMetricProviders } from '../../src/controller/metric-providers.js';
import {
  startExternalMetricsAdapter,
  frontProxyTrust,
  registerAdapter,
  unregisterAdapter,
  type ExternalMetricsAdapter,
} from './support/external-metrics-adapter.js';
import { serviceAccountLogin, type ServiceAccountLogin } from './support/rbac.js';

const run = `${process.pid % 10000}`;
const NS = `e2e-kube-metrics-${run}`;
const OPERATOR_SA = 'sluice-operator';
const UNBOUND_SA = 'no-metrics-grant';
const KEPTN_METRICS: ResourceType = { group: 'metrics.keptn.sh', version: 'v1beta1', plural: 'keptnmetrics', namespaced: true, kind: 'KeptnMetric' };
const ANALYSES: ResourceType = { group: 'metrics.keptn.sh', version: 'v1beta1', plural: 'analyses', namespaced: true, kind: 'Analysis' };

function canary(metrics: CanaryMetric[]): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: NS },
    spec: {
      provider: 'kubernetes',
      metricsServer: 'http://127.0.0.1:1',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '10s', threshold: 2, iterations: 5, metrics },
    },
  };
}

describe('e2e: metric backends that read the Kubernetes API, on the real apiserver', function () {
  this.timeout(5 * 60_000);
  let admin: KubeClient;
  let operator: KubeClient;
  let unbound: KubeClient;
  const logins: ServiceAccountLogin[] = [];

  /**
   * One metric of a MetricTemplate in NS, checked with the operator's cluster deps; `backendAs`
   * replaces the identity of the backend's own API calls only (the template is read as the operator).
   */
  const check = async (template: string, metric: Omit<CanaryMetric, 'templateRef'>, backendAs = operator): Promise<MetricVerdict> => {
    const deps = { ...clusterMetricDeps(operator), kube: kubeAccess(backendAs) };
    return (await runMetricChecks(resolveCanary(canary([{ ...metric, templateRef: { name: template } }])), deps))[0];
  };

  const template = (name: string, provider: Record<string, unknown>, query: string) => ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name, namespace: NS },
    spec: { provider, query },
  });

  before(async function () {
    this.timeout(45 * 60_000);
    const cluster = await ensureCluster();
    admin = new KubeClient(loadKubeConfig({ path: cluster.kubeconfig }));
    await admin.serverSideApply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
    // The manifests' ClusterRole, and one with no rules at all.
    for (const [name, rules] of [
      [OPERATOR_SA, CLUSTER_RULES.filter((r) => isGranted(r, []))],
      [UNBOUND_SA, []],
    ] as const)
      logins.push(await serviceAccountLogin(NS, name, rules));
    [operator, unbound] = logins.map((l) => new KubeClient(loadKubeConfig({ path: l.kubeconfig })));
  });

  after(async () => {
    for (const login of logins) await login.remove().catch(() => undefined);
    if (!process.env.SLUICE_KEEP_NAMESPACES) await kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']).catch(() => undefined);
  });

  describe('externalmetrics: an APIService and an adapter behind the aggregation layer', () => {
    const service = { namespace: NS, name: 'external-metrics-adapter' };
    let adapter: ExternalMetricsAdapter;

    before(async function () {
      this.timeout(3 * 60_000);
      adapter = await startExternalMetricsAdapter(service, await frontProxyTrust(admin));
      await registerAdapter(admin, service, adapter);
      adapter.set(NS, 'queue_depth', [
        { labels: { app: 'podinfo', queue: 'orders' }, value: '1500m' },
        { labels: { app: 'checkout', queue: 'payments' }, value: '40' },
      ]);
      adapter.set(NS, 'error_budget_burn', [{ labels: { app: 'podinfo' }, value: '12' }]);
      await admin.serverSideApply([
        template('queue-depth', { type: 'externalmetrics' }, `${NS}/queue_depth?labelSelector=app%3D{{ target }}`),
        template('burn-rate', { type: 'externalmetrics' }, `${NS}/error_budget_burn?labelSelector=app%3D{{ target }}`),
        template('all-queues', { type: 'externalmetrics' }, `${NS}/queue_depth`),
        template('silent', { type: 'externalmetrics' }, `${NS}/queue_depth?labelSelector=app%3Dnobody`),
      ] as KubeObject[]);
    });

    after(async () => {
      // An APIService left behind unavailable breaks discovery for every client of the cluster.
      await unregisterAdapter(admin);
      await adapter?.close();
    });

    it("reads a quantity through the apiserver: 1500m is 1.5, the label selector reaches the adapter, the caller is the operator's ServiceAccount", async () => {
      const before = adapter.requests.length;
      const v = await check('queue-depth', { name: 'queue depth', thresholdRange: { max: 5 }, interval: '1m' });
      expect(v, v.message).to.include({ result: 'pass', value: 1.5 });
      const seen = adapter.requests.slice(before);
      expect(seen).to.have.length(1);
      expect(seen[0]).to.include({
        path: `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/queue_depth`,
        labelSelector: 'app=podinfo',
        user: `system:serviceaccount:${NS}:${OPERATOR_SA}`,
      });
      expect(seen[0].groups).to.include('system:serviceaccounts');
    });

    it('a value over the threshold fails the check with the value', async () => {
      const v = await check('burn-rate', { name: 'error budget burn', thresholdRange: { max: 5 }, interval: '1m' });
      expect(v).to.include({ result: 'fail', value: 12, message: 'error budget burn 12.00 > 5' });
    });

    it('no series is "no values"; of several series the first is used, as Flagger does, and named', async () => {
      const none = await check('silent', { name: 'queue depth', thresholdRange: { max: 5 }, interval: '1m' });
      expect(none).to.include({ result: 'nodata', countsAsFailedCheck: true });
      const many = await check('all-queues', { name: 'queue depth', thresholdRange: { max: 5 }, interval: '1m' });
      expect(many).to.include({ result: 'pass', value: 1.5 });
      expect(many.message).to.include('the query returned 2 series; used the first').and.include('queue="orders"');
      expect(many.seriesWarning).to.include('used the first');
    });

    it('the availability check passes through the APIService', async () => {
      const resolved = resolveCanary(canary([{ name: 'queue depth', templateRef: { name: 'queue-depth' }, thresholdRange: { max: 5 }, interval: '1m' }]));
      await checkMetricProviders(resolved, clusterMetricDeps(operator));
      expect(adapter.requests.at(-1)?.path).to.equal('/apis/external.metrics.k8s.io/v1beta1/namespaces/kube-system/dummy-metric');
    });

    it("without the ClusterRole's grant the apiserver refuses (403) and the adapter is never asked", async () => {
      const before = adapter.requests.length;
      const v = await check('queue-depth', { name: 'queue depth', thresholdRange: { max: 5 }, interval: '1m' }, unbound);
      expect(v.result).to.equal('error');
      expect(v.message).to.match(/^Kubernetes external metrics: .*403/);
      expect(v.message).to.include(`system:serviceaccount:${NS}:${UNBOUND_SA}`);
      expect(adapter.requests.length).to.equal(before);
    });
  });

  describe('keptn: KeptnMetric and Analysis CRDs', () => {
    const analyses: { name: string; spec: any }[] = [];
    let stopKeptn = async () => {};

    before(async function () {
      this.timeout(2 * 60_000);
      const metric = (name: string, query: string): KubeObject => ({
        apiVersion: 'metrics.keptn.sh/v1beta1',
        kind: 'KeptnMetric',
        metadata: { name, namespace: NS },
        spec: { provider: { name: 'my-prometheus' }, query, fetchIntervalSeconds: 10, range: { interval: '5m' } },
      });
      await admin.serverSideApply([
        metric('response-time', 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))'),
        metric('error-rate', 'sum(rate(http_requests_total{status=~"5.."}[5m]))'),
        metric('not-fetched-yet', 'up'),
        template('keptn-response-time', { type: 'keptn' }, `keptnmetric/${NS}/response-time`),
        template('keptn-error-rate', { type: 'keptn' }, `KeptnMetric/${NS}/Error-Rate`),
        template('keptn-not-fetched', { type: 'keptn' }, `keptnmetric/${NS}/not-fetched-yet`),
        template('keptn-slo-pass', { type: 'keptn' }, `analysis/${NS}/podinfo-slo/2m/service={{ target }};env=test`),
        template('keptn-slo-fail', { type: 'keptn' }, `analysis/${NS}/strict-slo`),
      ]);
      // What Keptn's metrics operator writes after fetching from the provider.
      const fetched = (value: string) => ({
        status: { value, rawValue: Buffer.from(value).toString('base64'), lastUpdated: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
      });
      await admin.patchStatus(KEPTN_METRICS, 'response-time', NS, fetched('0.2375'));
      await admin.patchStatus(KEPTN_METRICS, 'error-rate', NS, fetched('7.5'));

      // Keptn's Analysis controller, as far as Flagger needs it: completes each new Analysis;
      // an AnalysisDefinition called podinfo-slo passes, any other fails.
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          const list = await admin.list<any>(ANALYSES, { namespace: NS }).catch(() => ({ items: [] as any[] }));
          for (const a of list.items) {
            if (a.status?.state === 'Completed') continue;
            analyses.push({ name: a.metadata.name, spec: a.spec });
            const pass = a.spec.analysisDefinition.name === 'podinfo-slo';
            await admin
              .patchStatus(ANALYSES, a.metadata.name, NS, {
                status: { state: 'Completed', pass, warning: false, raw: JSON.stringify({ pass, warning: false, totalScore: pass ? 1 : 0, maximumScore: 1 }) },
              })
              .catch(() => undefined);
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      stopKeptn = async () => {
        stopped = true;
        await loop;
      };
    });

    after(() => stopKeptn());

    it('a KeptnMetric is worth its status.value', async () => {
      const v = await check('keptn-response-time', { name: 'response time p95', thresholdRange: { max: 0.5 }, interval: '1m' });
      expect(v, v.message).to.include({ result: 'pass', value: 0.2375 });
      const bad = await check('keptn-error-rate', { name: 'error rate', thresholdRange: { max: 1 }, interval: '1m' });
      expect(bad).to.include({ result: 'fail', value: 7.5, message: 'error rate 7.50 > 1' });
    });

    it('a KeptnMetric Keptn has not fetched yet is an error that names it', async () => {
      const v = await check('keptn-not-fetched', { name: 'up', thresholdRange: { min: 1 }, interval: '1m' });
      expect(v.result).to.equal('error');
      expect(v.message).to.equal(`Keptn: KeptnMetric ${NS}/not-fetched-yet has no status.value yet`);
    });

    it("an Analysis is created with the query's timeframe and arguments, worth 1 when it passes and 0 when it fails, and deleted afterwards", async function () {
      this.timeout(60_000);
      const pass = await check('keptn-slo-pass', { name: 'slo', thresholdRange: { min: 1 }, interval: '1m' });
      expect(pass, pass.message).to.include({ result: 'pass', value: 1 });
      const created = analyses.find((a) => a.name.startsWith('podinfo-slo-'));
      expect(created?.spec).to.deep.equal({
        analysisDefinition: { name: 'podinfo-slo' },
        timeframe: { recent: '2m' },
        args: { service: 'podinfo', env: 'test' },
      });
      const fail = await check('keptn-slo-fail', { name: 'slo', thresholdRange: { min: 1 }, interval: '1m' });
      expect(fail).to.include({ result: 'fail', value: 0 });
      expect(analyses.find((a) => a.name.startsWith('strict-slo-'))?.spec.timeframe).to.deep.equal({ recent: '1m' });
      const left = await admin.list<any>(ANALYSES, { namespace: NS });
      expect(left.items.filter((a: any) => !a.metadata.deletionTimestamp).map((a: any) => a.metadata.name)).to.deep.equal([]);
    });

    it("without the ClusterRole's grant the apiserver refuses reading the KeptnMetric (403)", async () => {
      const v = await check('keptn-response-time', { name: 'response time p95', thresholdRange: { max: 0.5 }, interval: '1m' }, unbound);
      expect(v.result).to.equal('error');
      expect(v.message).to.match(new RegExp(`^Keptn: could not read KeptnMetric ${NS}/response-time: .*403`));
    });
  });
});
