// Answers of several series, for the backends whose other tests run against real stores or a
// cluster (Prometheus, Graphite, external metrics, Keptn): local servers of their APIs answer
// several series, and the check picks the one Flagger's provider picks, says so in its status
// message, and the analysis gate records it once as a Warning Event.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary, CanaryMetric, MetricTemplate } from '../../../src/api/types.js';
import { prometheusClients, runMetricChecks, type MetricCheckDeps } from '../../../src/analysis/run-checks.js';
import { METRIC_BACKENDS } from '../../../src/analysis/backends/table.js';
import { METRIC_BACKEND_TYPES, type KubeAccess } from '../../../src/analysis/backends/backend.js';
import { readingOf } from '../../../src/analysis/reading.js';
import { runGate } from '../../../src/controller/gates.js';

/** A server answering every GET with `answer(url)` as JSON. */
async function jsonServer(answer: (url: URL) => unknown): Promise<{ url: string; seen: URL[]; server: Server }> {
  const seen: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(url);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(url)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const template = (name: string, provider: MetricTemplate['spec']['provider'], query: string): MetricTemplate => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'MetricTemplate',
  metadata: { name, namespace: 'test' },
  spec: { provider, query },
});

function canary(metrics: CanaryMetric[]): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'kubernetes',
      metricsServer: 'http://127.0.0.1:1',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 2, iterations: 5, metrics },
    },
  };
}

function deps(templates: MetricTemplate[], extra: Partial<MetricCheckDeps> = {}): MetricCheckDeps {
  return {
    prometheusFor: prometheusClients(2000),
    getTemplate: async (ref) => {
      const found = templates.find((t) => t.metadata.name === ref.name);
      if (!found) throw new Error(`MetricTemplate ${ref.name} not found`);
      return found;
    },
    getSecret: async (ns, name) => {
      throw new Error(`secret ${ns}/${name} not found`);
    },
    ...extra,
  };
}

const metric = (name: string, ref: string, bounds: CanaryMetric['thresholdRange']): CanaryMetric => ({
  name,
  templateRef: { name: ref },
  thresholdRange: bounds,
  interval: '1m',
});

/** Prometheus's instant-query answer: a vector of one sample per pod. */
const vector = (values: Record<string, string>) => ({
  status: 'success',
  data: { resultType: 'vector', result: Object.entries(values).map(([pod, v]) => ({ metric: { __name__: 'x', pod }, value: [1764331200, v] })) },
});

describe('several series: the series Flagger uses, named', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));
  const started = async (answer: (url: URL) => unknown) => {
    const s = await jsonServer(answer);
    servers.push(s.server);
    return s;
  };

  it('every backend has a rule, and each is the one its Flagger provider follows', () => {
    const rules = Object.fromEntries(METRIC_BACKEND_TYPES.map((t) => [t, METRIC_BACKENDS[t].manySeries.rule]));
    expect(rules).to.deep.equal({
      prometheus: 'last',
      skywalking: 'first-with-data',
      graphite: 'last-with-data',
      datadog: 'first',
      newrelic: 'refuse-as-no-values',
      dynatrace: 'last',
      splunk: 'refuse',
      influxdb: 'first',
      stackdriver: 'first',
      cloudwatch: 'first',
      keptn: 'one-value',
      externalmetrics: 'first',
    });
  });

  it('Prometheus: the last series of a vector, its labels in the status message', async () => {
    const prom = await started(() => vector({ a: '99.5', b: '98', c: '42' }));
    const t = template('rate', { type: 'prometheus', address: prom.url }, 'sum by (pod) (rate(x[{{ interval }}]))');
    const [v] = await runMetricChecks(resolveCanary(canary([metric('success', 'rate', { min: 40 })])), deps([t]));
    expect(v).to.include({ result: 'pass', value: 42 });
    expect(v.message).to.equal(
      'success 42.00 >= 40 (the query returned 3 series; used the last, {pod="c"}, as Flagger does: aggregate it with sum() to judge them all)',
    );
    expect(v.seriesWarning).to.equal(
      'Metric success of podinfo.test: the query returned 3 series; used the last, {pod="c"}, as Flagger does: aggregate it with sum() to judge them all',
    );
  });

  it('Prometheus: a NaN last series is no values, as in Flagger, even when others have values', async () => {
    const prom = await started(() => vector({ a: '1', b: 'NaN' }));
    const t = template('rate', { type: 'prometheus', address: prom.url }, 'x');
    const [v] = await runMetricChecks(resolveCanary(canary([metric('success', 'rate', { min: 0 })])), deps([t]));
    expect(v).to.include({ result: 'nodata', countsAsFailedCheck: true });
    expect(v.message).to.include('used the last, {pod="b"}, which has no value');
  });

  it('Prometheus: a range vector is refused, as Flagger refuses it', async () => {
    const prom = await started(() => ({
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: { pod: 'a' }, values: [[1, '1']] }] },
    }));
    const t = template('rate', { type: 'prometheus', address: prom.url }, 'x[1m]');
    const [v] = await runMetricChecks(resolveCanary(canary([metric('success', 'rate', { min: 0 })])), deps([t]));
    expect(v).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(v.message).to.include('range vector (1 series)').and.include('Flagger refuses it as well');
  });

  it('Graphite: the last series that has a datapoint; series of nulls are skipped', async () => {
    const graphite = await started((url) => {
      expect(url.pathname).to.equal('/render');
      return [
        {
          target: 'app.a',
          datapoints: [
            [1, 100],
            [2, 110],
          ],
        },
        {
          target: 'app.b',
          datapoints: [
            [7, 100],
            [null, 110],
          ],
        },
        {
          target: 'app.c',
          datapoints: [
            [null, 100],
            [null, 110],
          ],
        },
      ];
    });
    const t = template('g', { type: 'graphite', address: graphite.url }, 'target=app.*&from=-{{ interval }}');
    const [v] = await runMetricChecks(resolveCanary(canary([metric('errors', 'g', { max: 10 })])), deps([t]));
    expect(v).to.include({ result: 'pass', value: 7 });
    expect(v.message).to.include(
      'the query returned 3 series, 2 with data; used the last with data, {target="app.b"}, as Flagger does: wrap the target in sumSeries() or averageSeries()',
    );
  });

  it('external metrics: the first item, as Flagger reads items[0]', async () => {
    const adapter = await started(() => ({
      kind: 'ExternalMetricValueList',
      apiVersion: 'external.metrics.k8s.io/v1beta1',
      items: [
        { metricName: 'queue_depth', metricLabels: { queue: 'orders' }, value: '1500m' },
        { metricName: 'queue_depth', metricLabels: { queue: 'payments' }, value: '40' },
      ],
    }));
    const t = template('q', { type: 'externalmetrics', address: adapter.url }, 'test/queue_depth');
    const [v] = await runMetricChecks(resolveCanary(canary([metric('queue', 'q', { max: 5 })])), deps([t]));
    expect(v).to.include({ result: 'pass', value: 1.5 });
    expect(v.message).to.include('the query returned 2 series; used the first, {queue="orders"}');
    expect(adapter.seen[0].pathname).to.equal('/apis/external.metrics.k8s.io/v1beta1/namespaces/test/queue_depth');
  });

  it('Keptn: one value by construction (a KeptnMetric status), read without a note', async () => {
    const kube: KubeAccess = {
      get: async () => ({ status: { value: '3.5' } }),
      create: async () => ({}),
      delete: async () => {},
    };
    const settings = { intervalMs: 60_000, timeoutMs: 1000, maxResponseBytes: 1024, now: Date.now, env: {}, kube };
    const result = await METRIC_BACKENDS.keptn.connect(settings).query('keptnmetric/test/latency');
    expect(readingOf(result, METRIC_BACKENDS.keptn.manySeries)).to.deep.equal({ kind: 'value', value: 3.5 });
  });

  it('the analysis gate records the pick once per check: its own Warning for a pass, inside the halt for a failure', async () => {
    const prom = await started((url) => (url.searchParams.get('query') === 'low' ? vector({ a: '1', b: '2' }) : vector({ a: '90', b: '95' })));
    const templates = [template('high', { type: 'prometheus', address: prom.url }, 'high'), template('low', { type: 'prometheus', address: prom.url }, 'low')];
    const c = canary([metric('passes', 'high', { min: 50 }), metric('fails', 'low', { min: 50 })]);
    const gateDeps = { callHook: async () => ({ ok: true as const }), now: () => 0, runMetrics: () => runMetricChecks(resolveCanary(c), deps(templates)) };
    const r = await runGate('analysis', c, resolveCanary(c), gateDeps as never);
    expect(r.open).to.equal(false);
    expect(r.events.map((e) => [e.type, e.message])).to.deep.equal([
      [
        'Warning',
        'Halt podinfo.test advancement fails 2.00 < 50 (the query returned 2 series; used the last, {pod="b"}, as Flagger does: aggregate it with sum() to judge them all)',
      ],
      [
        'Warning',
        'Metric passes of podinfo.test: the query returned 2 series; used the last, {pod="b"}, as Flagger does: aggregate it with sum() to judge them all',
      ],
    ]);
    expect(r.metrics?.map((m) => m.message)).to.deep.equal([
      'passes 95.00 >= 50 (the query returned 2 series; used the last, {pod="b"}, as Flagger does: aggregate it with sum() to judge them all)',
      'fails 2.00 < 50 (the query returned 2 series; used the last, {pod="b"}, as Flagger does: aggregate it with sum() to judge them all)',
    ]);

    const passing = canary([metric('passes', 'high', { min: 50 })]);
    const open = await runGate('analysis', passing, resolveCanary(passing), {
      ...gateDeps,
      runMetrics: () => runMetricChecks(resolveCanary(passing), deps(templates)),
    } as never);
    expect(open.open).to.equal(true);
    expect(open.events).to.have.length(1);
    expect(open.events[0]).to.include({ type: 'Warning' });
  });
});
