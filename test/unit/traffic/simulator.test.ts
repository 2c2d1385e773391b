import { expect } from 'chai';
import { behaviourFromEnv, ClusterView, workloadOf } from '../../traffic/endpoints.js';
import { Metrics } from '../../traffic/metrics.js';
import { Simulator } from '../../traffic/simulator.js';
import type { KObj, SimRoute } from '../../traffic/types.js';

const svc = (name: string, selector: Record<string, string>): KObj => ({ metadata: { name, namespace: 'test' }, spec: { selector, ports: [{ port: 9898 }] } });
function pod(name: string, deploy: string, labels: Record<string, string>, env: Record<string, string> = {}, phase = 'Running'): KObj {
  const hash = name.split('-').slice(-2, -1)[0];
  return {
    metadata: {
      name,
      namespace: 'test',
      labels: { ...labels, 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deploy}-${hash}`, controller: true }],
    },
    spec: { containers: [{ name: 'app', env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })) }] },
    status: { phase, conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }] },
  };
}
const view = (canaryEnv: Record<string, string> = {}, canaryPods = 1) =>
  new ClusterView(
    [svc('podinfo-primary', { app: 'podinfo-primary' }), svc('podinfo-canary', { app: 'podinfo' })],
    [
      pod('podinfo-primary-aaaa1-x1', 'podinfo-primary', { app: 'podinfo-primary' }),
      pod('podinfo-primary-aaaa1-x2', 'podinfo-primary', { app: 'podinfo-primary' }),
      ...Array.from({ length: canaryPods }, (_, i) => pod(`podinfo-bbbb2-y${i}`, 'podinfo', { app: 'podinfo' }, canaryEnv)),
      pod('podinfo-bbbb2-pending', 'podinfo', { app: 'podinfo' }, canaryEnv, 'Pending'),
    ],
  );
const split = (canary: number, extra: Partial<SimRoute> = {}): SimRoute => ({
  key: 'TrafficSplit/test/podinfo',
  kind: 'TrafficSplit',
  namespace: 'test',
  name: 'podinfo',
  families: ['linkerd'],
  selection: 'first',
  rps: 20,
  rules: [
    {
      matches: [],
      backends: [
        { service: 'podinfo-canary', namespace: 'test', weight: canary },
        { service: 'podinfo-primary', namespace: 'test', weight: 100 - canary },
      ],
    },
  ],
  ...extra,
});
/** Value of the series `name` whose labels include `want` (exposition text parsed), or undefined. */
function series(text: string, name: string, want: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(want).every(([k, v]) => labels[k] === v)) return Number(m[3]);
  }
  return undefined;
}
const sim = (m?: Metrics) => new Simulator(m, { matchShare: 0.5, jitter: 0.2, random: () => 0.5 });

describe('traffic/simulator', () => {
  it('resolves Services to Ready pods, their Deployment and their SLUICE_SIM_* env', () => {
    const eps = view({ SLUICE_SIM_ERROR_RATE: '0.1', SLUICE_SIM_ERROR_CODE: '503', SLUICE_SIM_LATENCY_MS: '250' }).endpoints('test', 'podinfo-canary');
    expect(eps.map((e) => e.pod)).to.deep.equal(['podinfo-bbbb2-y0']);
    expect(eps[0].workload).to.equal('podinfo');
    expect(eps[0].behaviour).to.deep.equal({ errorRate: 0.1, errorCode: 503, latencyMs: 250 });
    expect(behaviourFromEnv({})).to.deep.equal({ errorRate: 0, errorCode: 500, latencyMs: 3 });
    expect(workloadOf(pod('web-cccc3-z', 'web', {})).name).to.equal('web');
  });

  it('splits 20 rps by the current weights', () => {
    const s = sim();
    const served = s.tick([split(50)], view(), 10);
    expect(served).to.have.length(200);
    expect(served.filter((r) => r.backend.service === 'podinfo-canary')).to.have.length(100);
    expect(s.tick([split(0)], view(), 10).filter((r) => r.backend.service === 'podinfo-canary')).to.have.length(0);
  });

  it('applies the pod template behaviour: error rate and code, latency with jitter', () => {
    const served = sim().tick([split(100)], view({ SLUICE_SIM_ERROR_RATE: '0.25', SLUICE_SIM_ERROR_CODE: '404', SLUICE_SIM_LATENCY_MS: '100' }), 10);
    expect(served.filter((r) => r.status === 404)).to.have.length(50);
    expect(served.filter((r) => r.status === 200)).to.have.length(150);
    for (const r of served) expect(r.latencyMs).to.be.within(80, 120);
  });

  it('a backend without Ready pods serves nothing (503 at the proxy, no pod metrics)', async () => {
    const m = new Metrics();
    const served = sim(m).tick([split(100, { families: ['linkerd', 'contour'] })], view({}, 0), 1);
    expect(served.every((r) => r.status === 503 && r.endpoint === undefined)).to.equal(true);
    const text = await m.registry.metrics();
    expect(text).to.not.match(/^response_total\{/m);
    expect(text).to.not.match(/^http_request_duration_seconds_count\{/m);
    expect(series(text, 'envoy_cluster_upstream_rq', { envoy_cluster_name: 'test_podinfo-canary_9898', envoy_response_code: '503' })).to.equal(20);
  });

  it('traefik: records traefik_service_* under the child service <ns>-<svc>-<port>@kubernetescrd, 5xx by code', async () => {
    const m = new Metrics();
    const route = split(50, {
      key: 'TraefikService/test/podinfo',
      kind: 'TraefikService',
      families: ['traefik'],
      rules: [
        {
          matches: [],
          backends: [
            { service: 'podinfo-canary', namespace: 'test', port: 80, weight: 50, labels: { traefik_service: 'test-podinfo-canary-80@kubernetescrd' } },
            { service: 'podinfo-primary', namespace: 'test', port: 80, weight: 50, labels: { traefik_service: 'test-podinfo-primary-80@kubernetescrd' } },
          ],
        },
      ],
    });
    sim(m).tick([route], view({ SLUICE_SIM_ERROR_RATE: '0.5' }), 10);
    const text = await m.registry.metrics();
    const canary = { service: 'test-podinfo-canary-80@kubernetescrd' };
    expect(series(text, 'traefik_service_requests_total', { ...canary, code: '500' })).to.equal(50);
    expect(series(text, 'traefik_service_requests_total', { ...canary, code: '200' })).to.equal(50);
    expect(series(text, 'traefik_service_request_duration_seconds_bucket', { ...canary, code: '200', le: '+Inf' })).to.equal(50);
    expect(series(text, 'traefik_service_requests_total', { service: 'test-podinfo-primary-80@kubernetescrd', code: '200' })).to.equal(100);
  });

  it('apisix: records apisix_http_status by code and apisix_http_latency (type request) under the route name', async () => {
    const m = new Metrics();
    const route = split(100, {
      key: 'ApisixRoute/test/podinfo-podinfo-canary/main',
      kind: 'ApisixRoute',
      families: ['apisix'],
      rules: [
        {
          matches: [],
          backends: [{ service: 'podinfo-canary', namespace: 'test', weight: 100, labels: { apisix_route: 'test_podinfo-podinfo-canary_main' } }],
        },
      ],
    });
    sim(m).tick([route], view({ SLUICE_SIM_ERROR_RATE: '0.5' }), 10);
    const text = await m.registry.metrics();
    const r = { route: 'test_podinfo-podinfo-canary_main' };
    expect(series(text, 'apisix_http_status', { ...r, code: '500' })).to.equal(100);
    expect(series(text, 'apisix_http_status', { ...r, code: '200' })).to.equal(100);
    expect(series(text, 'apisix_http_latency_count', { ...r, type: 'request' })).to.be.greaterThan(0);
  });

  it('skipper: records skipper_response_duration_seconds by code and skipper_serve_route_duration_seconds under the route id', async () => {
    const m = new Metrics();
    const id = 'kube_test__podinfo_canary__app_example_com_____podinfo_canary';
    const route = split(100, {
      key: 'SkipperRoute/app.example.com/',
      kind: 'Ingress',
      families: ['skipper'],
      rules: [{ matches: [], backends: [{ service: 'podinfo-canary', namespace: 'test', weight: 100, labels: { skipper_route: id } }] }],
    });
    sim(m).tick([route], view({ SLUICE_SIM_ERROR_RATE: '0.5' }), 10);
    const text = await m.registry.metrics();
    expect(series(text, 'skipper_response_duration_seconds_bucket', { route: id, code: '500', le: '+Inf' })).to.equal(100);
    expect(series(text, 'skipper_response_duration_seconds_bucket', { route: id, code: '200', le: '+Inf' })).to.equal(100);
    expect(series(text, 'skipper_serve_route_duration_seconds_count', { route: id })).to.equal(200);
  });

  it('A/B: the matchShare of requests carries the header and reaches the canary', () => {
    const route: SimRoute = {
      ...split(0),
      key: 'VirtualService/test/podinfo',
      families: ['istio'],
      rules: [
        {
          matches: [{ conds: [{ field: 'header', name: 'x-canary', op: 'exact', value: 'insider' }] }],
          backends: [{ service: 'podinfo-canary', namespace: 'test', weight: 100 }],
        },
        { matches: [], backends: [{ service: 'podinfo-primary', namespace: 'test', weight: 100 }] },
      ],
    };
    const served = sim().tick([route], view(), 10);
    expect(served.filter((r) => r.backend.service === 'podinfo-canary')).to.have.length(100);
  });

  it('records the real metric names and labels Flagger queries', async () => {
    const m = new Metrics();
    const s = sim(m);
    s.tick([split(50, { families: ['linkerd', 'osm', 'istio'] })], view({ SLUICE_SIM_ERROR_RATE: '0.5' }), 1);
    const text = await m.registry.metrics();
    expect(
      series(text, 'response_total', {
        direction: 'inbound',
        namespace: 'test',
        deployment: 'podinfo',
        pod: 'podinfo-bbbb2-y0',
        status_code: '500',
        classification: 'failure',
      }),
    ).to.equal(5);
    expect(series(text, 'response_total', { direction: 'inbound', deployment: 'podinfo', status_code: '200', classification: 'success' })).to.equal(5);
    expect(
      series(text, 'response_latency_ms_bucket', { direction: 'inbound', deployment: 'podinfo-primary', pod: 'podinfo-primary-aaaa1-x1', le: '5' }),
    ).to.equal(5);
    expect(
      series(text, 'istio_requests_total', {
        reporter: 'destination',
        destination_workload: 'podinfo',
        destination_workload_namespace: 'test',
        response_code: '200',
      }),
    ).to.equal(5);
    expect(series(text, 'istio_request_duration_milliseconds_bucket', { reporter: 'destination', destination_workload: 'podinfo-primary', le: '5' })).to.equal(
      10,
    );
    expect(
      series(text, 'osm_request_total', { destination_namespace: 'test', destination_kind: 'Deployment', destination_name: 'podinfo', response_code: '500' }),
    ).to.equal(5);
    expect(
      series(text, 'http_request_duration_seconds_count', { kubernetes_namespace: 'test', kubernetes_pod_name: 'podinfo-primary-aaaa1-x1', status: '200' }),
    ).to.equal(5);
  });
});
