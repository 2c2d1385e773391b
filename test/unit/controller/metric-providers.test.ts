// Flagger's check of the metrics providers at initialization, and the gate that reports it.
import { expect } from 'chai';
import { checkMetricProviders } from '../../../src/controller/metric-providers.js';
import { runGate, type GateDeps } from '../../../src/controller/gates.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary, MetricTemplate } from '../../../src/api/types.js';
import type { MetricCheckDeps, PrometheusAuth } from '../../../src/analysis/run-checks.js';
import type { QueryResult } from '../../../src/analysis/prometheus.js';

const canary = (metrics: NonNullable<Canary['spec']['analysis']>['metrics']): Canary =>
  ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'osm',
      metricsServer: 'http://prometheus.test:9090',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '10s', metrics },
    },
  }) as Canary;

/** Prometheus servers by address: `up` answer vector(1) with 1. */
function fakeDeps(up: string[], templates: Record<string, MetricTemplate> = {}, secrets: Record<string, Record<string, string>> = {}) {
  const asked: { address: string; auth: PrometheusAuth; query: string }[] = [];
  const deps: MetricCheckDeps = {
    prometheusFor: (address, auth) => ({
      address,
      query: async (query): Promise<QueryResult> => {
        asked.push({ address, auth, query });
        if (!up.includes(address)) throw new Error(`Prometheus at ${address}: connect ECONNREFUSED`);
        return { type: 'vector', samples: [{ labels: {}, value: 1 }] };
      },
    }),
    getTemplate: async (ref) => {
      const t = templates[`${ref.namespace}/${ref.name}`];
      if (!t) throw new Error(`metrictemplates.flagger.app "${ref.name}" not found`);
      return t;
    },
    getSecret: async (namespace, name) => secrets[`${namespace}/${name}`] ?? {},
  };
  return { deps, asked };
}

const template = (name: string, address: string, secret?: string): MetricTemplate =>
  ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name, namespace: 'test' },
    spec: { provider: { type: 'prometheus', address, ...(secret ? { secretRef: { name: secret } } : {}) }, query: 'sum(up)' },
  }) as MetricTemplate;

/** The error a promise rejects with; undefined when it resolves. */
const rejectionOf = (promise: Promise<unknown>): Promise<Error | undefined> =>
  promise.then(
    () => undefined,
    (e: Error) => e,
  );

describe('controller: metric providers at initialization', () => {
  it("asks the Canary's Prometheus vector(1) once for the builtin metrics", async () => {
    const { deps, asked } = fakeDeps(['http://prometheus.test:9090']);
    await checkMetricProviders(
      resolveCanary(
        canary([
          { name: 'request-success-rate', thresholdRange: { min: 99 } },
          { name: 'request-duration', thresholdRange: { max: 500 } },
        ]),
      ),
      deps,
    );
    expect(asked).to.deep.equal([{ address: 'http://prometheus.test:9090', auth: {}, query: 'vector(1)' }]);
  });

  it("asks each MetricTemplate's provider, with its secret's credentials", async () => {
    const { deps, asked } = fakeDeps(
      ['http://thanos.test:9090'],
      { 'test/errors': template('errors', 'http://thanos.test:9090', 'prom-auth') },
      { 'test/prom-auth': { token: 's3cret' } },
    );
    await checkMetricProviders(resolveCanary(canary([{ name: 'errors', templateRef: { name: 'errors' }, thresholdRange: { max: 1 } }])), deps);
    expect(asked).to.deep.equal([{ address: 'http://thanos.test:9090', auth: { bearerToken: 's3cret' }, query: 'vector(1)' }]);
  });

  it('says which provider cannot be used', async () => {
    const down = fakeDeps([]);
    const unavailable = await rejectionOf(
      checkMetricProviders(resolveCanary(canary([{ name: 'request-success-rate', thresholdRange: { min: 99 } }])), down.deps),
    );
    expect(unavailable?.message).to.equal('prometheus not available: Prometheus at http://prometheus.test:9090: connect ECONNREFUSED');
    const missing = fakeDeps(['http://prometheus.test:9090']);
    const notFound = await rejectionOf(checkMetricProviders(resolveCanary(canary([{ name: 'errors', templateRef: { name: 'nope' } }])), missing.deps));
    expect(notFound?.message).to.equal('MetricTemplate test/nope: metrictemplates.flagger.app "nope" not found');
  });

  it('the gate reports "all the metrics providers are available!", or the problem as a Warning, and is always open', async () => {
    const c = canary([{ name: 'request-success-rate', thresholdRange: { min: 99 } }]);
    const deps = (check: GateDeps['checkMetricProviders']): GateDeps => ({
      callHook: async () => ({ ok: true, status: 200, body: '' }),
      runMetrics: async () => [],
      now: () => 0,
      checkMetricProviders: check,
    });
    expect(
      await runGate(
        'metric-providers',
        c,
        resolveCanary(c),
        deps(async () => undefined),
      ),
    ).to.deep.equal({
      open: true,
      events: [{ type: 'Normal', message: 'all the metrics providers are available!' }],
    });
    expect(
      await runGate(
        'metric-providers',
        c,
        resolveCanary(c),
        deps(async () => {
          throw new Error('prometheus not available: timeout');
        }),
      ),
    ).to.deep.equal({
      open: true,
      events: [{ type: 'Warning', message: 'Error checking metric providers: prometheus not available: timeout' }],
    });
  });
});
