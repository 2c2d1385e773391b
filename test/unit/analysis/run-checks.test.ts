// runMetricChecks with fake I/O: which query runs where, with which credentials, and what comes back.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary, MetricTemplate } from '../../../src/api/types.js';
import { runMetricChecks, refNamesOf, type MetricCheckDeps, type PrometheusAuth } from '../../../src/analysis/run-checks.js';
import { MetricsProviderError, type QueryResult } from '../../../src/analysis/prometheus.js';

interface Call {
  address: string;
  auth: PrometheusAuth;
  query: string;
}

/** A fake Prometheus answering by the first matching substring of the query. */
function fakeDeps(answers: [string, QueryResult | Error][], extra: Partial<MetricCheckDeps> = {}) {
  const calls: Call[] = [];
  const deps: MetricCheckDeps = {
    prometheusFor: (address, auth) => ({
      async query(query) {
        calls.push({ address, auth, query });
        const hit = answers.find(([needle]) => query.includes(needle));
        if (!hit) return { type: 'vector', samples: [] };
        if (hit[1] instanceof Error) throw hit[1];
        return hit[1];
      },
    }),
    getTemplate: async (ref) => {
      throw new Error(`MetricTemplate ${ref.namespace}/${ref.name} not found`);
    },
    getSecret: async (ns, name) => {
      throw new Error(`secret ${ns}/${name} not found`);
    },
    ...extra,
  };
  return { deps, calls };
}

const one = (value: number): QueryResult => ({ type: 'vector', samples: [{ labels: {}, value }] });
const seed = (file: string) => parse(readFileSync(`test/fixtures/seeds/${file}`, 'utf8')) as Canary;

/** The seed's Gloo template with its missing comma added and the 404 filter it means. */
const notFoundTemplate: MetricTemplate = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'MetricTemplate',
  metadata: { name: 'not-found-percentage', namespace: 'test' },
  spec: {
    provider: { type: 'prometheus', address: 'http://flagger-prometheus.gloo-system:9090' },
    query:
      '100 - sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",status!="404"}[{{ interval }}])) / sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) * 100',
  },
};

describe('runMetricChecks', () => {
  it('OSM seed: builtins against metricsServer, the legacy inline query as written, verdicts in order', async () => {
    const canary = seed('osm-canary-podinfo-custom-metric.yaml');
    const resolved = resolveCanary(canary);
    const { deps, calls } = fakeDeps([
      ['response_code!="404"', one(6.2)],
      ['osm_request_total', one(100)],
      ['osm_request_duration_ms_bucket', one(120)],
    ]);
    const verdicts = await runMetricChecks(resolved, deps);
    expect(verdicts.map((v) => [v.name, v.result])).to.deep.equal([
      ['request-success-rate', 'pass'],
      ['request-duration', 'pass'],
      ['404s percentage', 'fail'],
    ]);
    expect(verdicts[2].message).to.equal('404s percentage 6.20 > 3');
    expect(verdicts[2].halt).to.equal('Halt podinfo.test advancement 404s percentage 6.20 > 3');
    expect(verdicts[2].query).to.equal(canary.spec.analysis!.metrics![2].query);
    expect(verdicts[1].query).to.contain('osm_request_duration_ms_bucket{destination_namespace="test"');
    expect(verdicts[1].query).to.contain('[30s]');
    expect(calls.every((c) => c.address === 'http://prometheus:9090')).to.equal(true);
  });

  it("a templateRef renders the template with the metric's interval and queries the template's address", async () => {
    const resolved = resolveCanary(seed('gloo-canary-podinfo-custom-metric.yaml'));
    const { deps, calls } = fakeDeps(
      [
        ['status!="404"', one(6.2)],
        ['envoy_cluster_upstream_rq', one(100)],
      ],
      {
        getTemplate: async (ref) => {
          expect(ref).to.deep.equal({ name: 'not-found-percentage', namespace: 'test' });
          return notFoundTemplate;
        },
      },
    );
    const verdicts = await runMetricChecks(resolved, deps);
    const custom = verdicts[2];
    expect(custom).to.include({ result: 'fail', value: 6.2, max: 5, message: '404s percentage 6.20 > 5' });
    expect(custom.address).to.equal('http://flagger-prometheus.gloo-system:9090');
    expect(custom.query).to.contain('kubernetes_namespace="test",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",status!="404"}[1m]');
    expect(calls.find((c) => c.query.includes('status!="404"'))!.address).to.equal('http://flagger-prometheus.gloo-system:9090');
  });

  it('a missing template, an unknown variable or an unsupported provider is an error verdict that counts', async () => {
    const canary = seed('gloo-canary-podinfo-custom-metric.yaml');
    const resolved = resolveCanary(canary);
    const missing = await runMetricChecks(resolved, fakeDeps([]).deps);
    expect(missing[2]).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(missing[2].message).to.equal('MetricTemplate test/not-found-percentage: MetricTemplate test/not-found-percentage not found');

    const withVariable = { ...notFoundTemplate, spec: { ...notFoundTemplate.spec, query: 'x{region="{{ variables.region }}"}' } };
    const unknown = await runMetricChecks(resolved, fakeDeps([], { getTemplate: async () => withVariable }).deps);
    expect(unknown[2].message).to.match(/template variable "region" is not set/);

    const other = { ...notFoundTemplate, spec: { ...notFoundTemplate.spec, provider: { type: 'prom' } } };
    const { deps, calls } = fakeDeps([], { getTemplate: async () => other });
    const [, , v] = await runMetricChecks(resolved, deps);
    expect(v.message).to.match(/^MetricTemplate test\/not-found-percentage: unknown provider type "prom": use one of prometheus, graphite, /);
    expect(calls.some((c) => c.query.includes('404'))).to.equal(false);
  });

  it("secretRef: token becomes a Bearer token, username/password basic auth, from the template's namespace", async () => {
    const resolved = resolveCanary(seed('gloo-canary-podinfo-custom-metric.yaml'));
    const withSecret = (name: string) => ({
      ...notFoundTemplate,
      spec: { ...notFoundTemplate.spec, provider: { ...notFoundTemplate.spec.provider, secretRef: { name }, headers: { 'X-Scope-OrgID': 'team-a' } } },
    });
    const secrets: Record<string, Record<string, string>> = {
      'test/bearer': { token: 's3cr3t' },
      'test/basic': { username: 'flagger', password: 'pw' },
      'test/empty': { other: 'x' },
    };
    const getSecret = async (ns: string, name: string) => secrets[`${ns}/${name}`];
    for (const [name, auth] of [
      ['bearer', { headers: { 'X-Scope-OrgID': 'team-a' }, bearerToken: 's3cr3t' }],
      ['basic', { headers: { 'X-Scope-OrgID': 'team-a' }, username: 'flagger', password: 'pw' }],
    ] as const) {
      const { deps, calls } = fakeDeps([['404', one(1)]], { getTemplate: async () => withSecret(name), getSecret });
      await runMetricChecks(resolved, deps);
      expect(calls.find((c) => c.query.includes('404'))!.auth).to.deep.equal(auth);
    }
    const { deps } = fakeDeps([], { getTemplate: async () => withSecret('empty'), getSecret });
    const [, , v] = await runMetricChecks(resolved, deps);
    expect(v.message).to.match(/secret test\/empty has neither a token nor a username and password/);
  });

  it('no values gives the no-traffic reason; of several series the last is used, as Flagger does, and named', async () => {
    const resolved = resolveCanary(seed('istio-canary-podinfo.yaml'));
    const two: QueryResult = {
      type: 'vector',
      samples: [
        { labels: { pod: 'a' }, value: 1 },
        { labels: { pod: 'b' }, value: 2 },
      ],
    };
    const { deps } = fakeDeps([['histogram_quantile', two]]);
    const [sr, rd] = await runMetricChecks(resolved, deps);
    expect(sr).to.include({
      result: 'nodata',
      message: 'no values found for istio metric request-success-rate probably podinfo.test is not receiving traffic',
    });
    expect(rd).to.include({ result: 'pass', value: 2 });
    expect(rd.message).to.include('(the query returned 2 series; used the last, {pod="b"}, as Flagger does');
  });

  it("an unreachable Prometheus is an error verdict with the client's message", async () => {
    const resolved = resolveCanary(seed('istio-canary-podinfo.yaml'));
    const down = new MetricsProviderError(
      'Prometheus at http://prometheus:9090 is unreachable: connection refused (ECONNREFUSED)',
      'unreachable',
      'http://prometheus:9090',
    );
    const [sr] = await runMetricChecks(resolved, fakeDeps([['istio', down]]).deps);
    expect(sr).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(sr.halt).to.equal('Prometheus query failed: Prometheus at http://prometheus:9090 is unreachable: connection refused (ECONNREFUSED)');
  });

  it('kubernetes request-duration comes in seconds and is judged in milliseconds', async () => {
    const canary = seed('istio-canary-podinfo.yaml');
    const resolved = resolveCanary({ ...canary, spec: { ...canary.spec, provider: 'kubernetes' } });
    const { deps } = fakeDeps([
      ['http_request_duration_seconds_bucket', one(1.2)],
      ['http_request_duration_seconds_count', one(100)],
    ]);
    const [, rd] = await runMetricChecks(resolved, deps);
    expect(rd).to.include({ result: 'fail', value: 1200, message: 'request duration 1.2s > 500ms' });
  });

  it('minRequestCount: below it the check is nodata and does not count; at or above it is judged', async () => {
    const canary = seed('istio-canary-podinfo.yaml');
    canary.spec.analysis!.metrics![0].minRequestCount = 50;
    const resolved = resolveCanary(canary);
    const few = await runMetricChecks(
      resolved,
      fakeDeps([
        ['increase(istio_requests_total', one(12)],
        ['istio_requests_total', one(40)],
      ]).deps,
    );
    expect(few[0]).to.include({ result: 'nodata', countsAsFailedCheck: false, requestCount: 12 });
    expect(few[0].message).to.match(/only 12 requests reached podinfo\.test in the last 1m, fewer than minRequestCount 50/);
    const enough = await runMetricChecks(
      resolved,
      fakeDeps([
        ['increase(istio_requests_total', one(50)],
        ['istio_requests_total', one(40)],
      ]).deps,
    );
    expect(enough[0]).to.include({ result: 'fail', requestCount: 50, message: 'success rate 40.00% < 99%' });
    const none = await runMetricChecks(
      resolved,
      fakeDeps([
        ['increase(', { type: 'vector', samples: [] }],
        ['istio_requests_total', one(100)],
      ]).deps,
    );
    expect(none[0]).to.include({ result: 'nodata', requestCount: 0 });
  });

  it('ingressRef and routeRef names reach {{ ingress }} and {{ route }}', async () => {
    const canary = seed('istio-canary-podinfo.yaml');
    canary.spec.provider = 'nginx';
    canary.spec.ingressRef = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'public' };
    const { deps, calls } = fakeDeps([]);
    await runMetricChecks(resolveCanary(canary), deps, refNamesOf(canary));
    expect(calls[0].query).to.contain('ingress="public"');
  });
});
