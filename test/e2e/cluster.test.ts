// End-to-end checks of the local control plane (test/cluster/up.sh) and the traffic generator
// (test/traffic): real apiserver, controllers, scheduler and kwok; real Prometheus scraping the
// generator. The first run on a machine without cached binaries builds them (~20 min).
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson, promQuery, promValue, waitFor } from '../support/cluster.js';

const NS = `e2e-cluster-${Date.now().toString(36)}`;

function deployment(name: string, labels: Record<string, string>, replicas: number, image: string, env: Record<string, string> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'app', image, ports: [{ name: 'http', containerPort: 9898 }], env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })) },
          ],
        },
      },
    },
  };
}
const service = (name: string, selector: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { selector, ports: [{ name: 'http', port: 9898, targetPort: 9898 }] },
});
const apply = (...objs: object[]) => kubectl(['apply', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });

async function available(name: string, replicas: number): Promise<boolean> {
  const d = await kubectlJson(['-n', NS, 'get', 'deployment', name]);
  const s = d.status ?? {};
  return (
    s.observedGeneration === d.metadata.generation &&
    s.replicas === replicas &&
    s.updatedReplicas === replicas &&
    s.availableReplicas === replicas &&
    s.readyReplicas === replicas
  );
}

describe('local control plane (e2e)', function () {
  before(async function () {
    this.timeout(50 * 60_000); // a cold build of the binaries takes ~20 min on 2 cores
    await ensureCluster();
    await kubectl(['create', 'namespace', NS]);
    await waitFor(() => kubectl(['-n', NS, 'get', 'serviceaccount', 'default']), 30_000, { what: `default ServiceAccount in ${NS}` });
  });

  after(async function () {
    this.timeout(60_000);
    await kubectl(['delete', 'namespace', NS, '--wait=false']).catch(() => undefined);
  });

  it('serves the API over TLS with RBAC and has a Ready simulated node', async () => {
    expect((await kubectl(['get', '--raw', '/readyz'])).trim()).to.equal('ok');
    const v = await kubectlJson(['version']);
    expect(v.serverVersion.gitVersion).to.match(/^v1\.36\.\d+$/);
    expect(v.clientVersion.gitVersion).to.equal(v.serverVersion.gitVersion);
    const nodes = await kubectlJson(['get', 'nodes']);
    const ready = nodes.items.filter((n: any) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    expect(ready.length).to.be.greaterThan(0);
    // RBAC is enforced: an anonymous identity cannot list pods.
    const denied = await kubectl(['auth', 'can-i', 'list', 'pods', '--as', 'system:serviceaccount:default:nobody']).catch((e) => e.stdout);
    expect(String(denied).trim()).to.equal('no');
  });

  it('installs the provider CRDs and they are Established', async () => {
    for (const crd of [
      'virtualservices.networking.istio.io',
      'destinationrules.networking.istio.io',
      'trafficsplits.split.smi-spec.io',
      'trafficroutes.kuma.io',
      'routetables.gateway.solo.io',
      'upstreams.gloo.solo.io',
      'routetables.networking.gloo.solo.io',
      'httproutes.gateway.networking.k8s.io',
      'gateways.gateway.networking.k8s.io',
      'httpproxies.projectcontour.io',
      'traefikservices.traefik.io',
      'apisixroutes.apisix.apache.org',
    ]) {
      const c = await kubectlJson(['get', 'crd', crd]);
      expect(c.status.conditions.find((x: any) => x.type === 'Established')?.status, crd).to.equal('True');
    }
  });

  it('runs a Deployment to availableReplicas == replicas within seconds', async function () {
    this.timeout(60_000);
    const t0 = Date.now();
    await apply(deployment('web', { app: 'web' }, 3, 'ghcr.io/stefanprodan/podinfo:6.0.0'));
    await waitFor(() => available('web', 3), 15_000, { what: 'deployment/web available' });
    const pods = await kubectlJson(['-n', NS, 'get', 'pods', '-l', 'app=web']);
    expect(pods.items).to.have.length(3);
    for (const p of pods.items) {
      expect(p.status.phase).to.equal('Running');
      expect(p.spec.nodeName).to.match(/^kwok-node-/);
    }
    console.log(`      deployment available after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('rolls the Deployment to a new ReplicaSet with kubectl set image', async function () {
    this.timeout(90_000);
    const before = (await kubectlJson(['-n', NS, 'get', 'replicasets', '-l', 'app=web'])).items.map((r: any) => r.metadata.name);
    expect(before).to.have.length(1);
    await kubectl(['-n', NS, 'set', 'image', 'deployment/web', 'app=ghcr.io/stefanprodan/podinfo:6.0.1']);
    await waitFor(
      async () => {
        if (!(await available('web', 3))) return false;
        const rs = (await kubectlJson(['-n', NS, 'get', 'replicasets', '-l', 'app=web'])).items;
        const fresh = rs.find((r: any) => !before.includes(r.metadata.name));
        const old = rs.find((r: any) => before.includes(r.metadata.name));
        return (
          fresh?.spec.template.spec.containers[0].image === 'ghcr.io/stefanprodan/podinfo:6.0.1' && fresh.status.readyReplicas === 3 && old?.spec.replicas === 0
        );
      },
      30_000,
      { what: 'rollout to a new ReplicaSet' },
    );
    const pods = (await kubectlJson(['-n', NS, 'get', 'pods', '-l', 'app=web'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
    expect(pods.map((p: any) => p.spec.containers[0].image)).to.deep.equal(Array(3).fill('ghcr.io/stefanprodan/podinfo:6.0.1'));
  });

  it('has Prometheus scraping the traffic generator', async function () {
    this.timeout(30_000);
    const up = await waitFor(async () => (await promQuery('up{job="sluice-traffic"}'))[0]?.value === 1, 20_000, { what: 'up{job="sluice-traffic"} == 1' });
    expect(up).to.equal(true);
  });

  describe('SMI TrafficSplit (v1alpha2, Linkerd-style) traffic', () => {
    // Canary share of Linkerd's inbound response_total rate (Flagger's linkerd metrics), over a short window.
    // `or vector(0)`: at weight 0 the canary has no series at all, and the share is then 0, not "no data".
    const share = `(sum(rate(response_total{namespace="${NS}",deployment="podinfo",direction="inbound"}[5s])) or vector(0)) / sum(rate(response_total{namespace="${NS}",deployment=~"podinfo|podinfo-primary",direction="inbound"}[5s]))`;
    // Flagger's builtin linkerd request-success-rate query, rendered for the canary.
    const successRate = (target: string) =>
      `sum(rate(response_total{namespace="${NS}",deployment=~"${target}",classification!="failure",direction="inbound"}[10s])) / sum(rate(response_total{namespace="${NS}",deployment=~"${target}",direction="inbound"}[10s])) * 100`;
    const split = (canary: number) => ({
      apiVersion: 'split.smi-spec.io/v1alpha2',
      kind: 'TrafficSplit',
      metadata: { name: 'podinfo', namespace: NS },
      spec: {
        service: 'podinfo',
        backends: [
          { service: 'podinfo-canary', weight: canary },
          { service: 'podinfo-primary', weight: 100 - canary },
        ],
      },
    });

    before(async function () {
      this.timeout(90_000);
      await apply(
        deployment('podinfo-primary', { app: 'podinfo-primary' }, 2, 'ghcr.io/stefanprodan/podinfo:6.0.0'),
        // The canary version fails half of its requests (the pod template's env drives the simulation).
        deployment('podinfo', { app: 'podinfo' }, 2, 'ghcr.io/stefanprodan/podinfo:6.0.1', { SLUICE_SIM_ERROR_RATE: '0.5', SLUICE_SIM_ERROR_CODE: '503' }),
        service('podinfo', { app: 'podinfo-primary' }),
        service('podinfo-primary', { app: 'podinfo-primary' }),
        service('podinfo-canary', { app: 'podinfo' }),
      );
      await waitFor(async () => (await available('podinfo-primary', 2)) && (await available('podinfo', 2)), 60_000, { what: 'podinfo deployments available' });
      await apply(split(0));
    });

    it('at weight 0 sends every request to the primary (the canary share is 0)', async function () {
      this.timeout(60_000);
      // Wait until the primary's traffic is in Prometheus for a full window.
      await waitFor(
        async () => ((await promValue(`sum(rate(response_total{namespace="${NS}",deployment="podinfo-primary",direction="inbound"}[5s]))`)) ?? 0) > 10,
        30_000,
        { what: 'primary traffic in Prometheus' },
      );
      await new Promise((r) => setTimeout(r, 6000));
      // No Canary object exists here, so there is no direct load-test traffic either: exactly 0.
      expect(await promValue(share)).to.equal(0);
      expect(await promValue(`sum(response_total{namespace="${NS}",deployment="podinfo"})`)).to.equal(undefined, 'the canary has no series at all');
      expect(await promValue(successRate('podinfo-primary'))).to.equal(100);
    });

    it('moving the canary weight from 0 to 50 moves its share of response_total to about half within 20 s', async function () {
      this.timeout(60_000);
      const t0 = Date.now();
      await apply(split(50));
      const s = await waitFor(
        async () => {
          const v = await promValue(share);
          return v !== undefined && v >= 0.35 && v <= 0.65 ? v : false;
        },
        20_000,
        { what: 'canary share in 0.35..0.65', intervalMs: 500 },
      );
      console.log(`      canary share ${s.toFixed(3)} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // And it stays there.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await promValue(share)).to.be.within(0.35, 0.65);
    });

    it("the canary pod template env (SLUICE_SIM_ERROR_RATE 0.5, code 503) shows in Flagger's success-rate query", async function () {
      this.timeout(30_000);
      const sr = await waitFor(
        async () => {
          const v = await promValue(successRate('podinfo'));
          return v !== undefined && v >= 35 && v <= 65 ? v : false;
        },
        20_000,
        { what: 'canary success rate ~50 %' },
      );
      expect(sr).to.be.within(35, 65);
      expect(await promValue(successRate('podinfo-primary'))).to.equal(100);
      const codes = await promQuery(`sum by (status_code) (response_total{namespace="${NS}",deployment="podinfo"})`);
      expect(codes.map((c) => c.metric.status_code).sort()).to.deep.equal(['200', '503']);
      // podinfo's own metric carries the real pod names.
      const pods = (await kubectlJson(['-n', NS, 'get', 'pods', '-l', 'app=podinfo'])).items.map((p: any) => p.metadata.name).sort();
      const series = await promQuery(
        `sum by (kubernetes_pod_name) (http_request_duration_seconds_count{kubernetes_namespace="${NS}",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"})`,
      );
      expect(series.map((x) => x.metric.kubernetes_pod_name).sort()).to.deep.equal(pods);
    });
  });

  describe("every provider's routing object gives the series Flagger's builtin queries read", () => {
    // A second namespace, so that these routes do not mix with the TrafficSplit above. The canary
    // Deployment fails 50 % of its requests; each router sends it half of the traffic, so each
    // provider's builtin success-rate query for the canary must come out near 50 and its
    // request-duration query must return a number. Queries are Flagger's, rendered for namespace,
    // target "podinfo", interval 10s (reference section 3).
    const N2 = `${NS}-p`;
    const q = (sel: string, m = 'envoy_cluster_upstream_rq', code = 'envoy_response_code') =>
      `sum(rate(${m}{${sel},${code}!~"5.*"}[10s])) / sum(rate(${m}{${sel}}[10s])) * 100`;
    const queries: Record<string, string> = {
      istio: `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="${N2}",destination_workload=~"podinfo",response_code!~"5.*"}[10s])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="${N2}",destination_workload=~"podinfo"}[10s])) * 100`,
      osm: `sum(rate(osm_request_total{destination_namespace="${N2}",destination_kind="Deployment",destination_name="podinfo",response_code!~"5.*"}[10s])) / sum(rate(osm_request_total{destination_namespace="${N2}",destination_kind="Deployment",destination_name="podinfo"}[10s])) * 100`,
      kuma: q(`service=~"podinfo-canary_${N2}_svc_[0-9a-zA-Z-]+"`),
      gloo: q(`envoy_cluster_name=~"${N2}-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"`),
      contour: q(`envoy_cluster_name=~"${N2}_podinfo-canary_[0-9a-zA-Z-]+"`),
      nginx: `sum(rate(nginx_ingress_controller_requests{namespace="${N2}",ingress="podinfo",canary!="",status!~"5.*"}[10s])) / sum(rate(nginx_ingress_controller_requests{namespace="${N2}",ingress="podinfo",canary!=""}[10s])) * 100`,
      'gatewayapi/kubernetes (podinfo)': `sum(rate(http_request_duration_seconds_count{kubernetes_namespace="${N2}",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",status!~"5.*"}[10s])) / sum(rate(http_request_duration_seconds_count{kubernetes_namespace="${N2}",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[10s])) * 100`,
    };
    const durations: Record<string, string> = {
      istio: `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="${N2}",destination_workload=~"podinfo"}[10s])) by (le))`,
      osm: `histogram_quantile(0.99, sum(rate(osm_request_duration_ms_bucket{destination_namespace="${N2}",destination_kind="Deployment",destination_name="podinfo"}[10s])) by (le))`,
      kuma: `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{service=~"podinfo-canary_${N2}_svc_[0-9a-zA-Z-]+"}[10s])) by (le))`,
      gloo: `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"${N2}-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"}[10s])) by (le))`,
      contour: `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"${N2}_podinfo-canary_[0-9a-zA-Z-]+"}[10s])) by (le))`,
      nginx: `sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="${N2}",ingress="podinfo",canary!=""}[10s])) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{namespace="${N2}",ingress="podinfo",canary!=""}[10s])) * 1000`,
      'gatewayapi/kubernetes (podinfo)': `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="${N2}",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[10s])) by (le))`,
    };

    before(async function () {
      this.timeout(90_000);
      await kubectl(['create', 'namespace', N2]);
      await waitFor(() => kubectl(['-n', N2, 'get', 'serviceaccount', 'default']), 30_000, { what: `default ServiceAccount in ${N2}` });
      const inNs = (o: any) => ({ ...o, metadata: { ...o.metadata, namespace: N2 } });
      const svc = (name: string, app: string) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: N2 },
        spec: { selector: { app }, ports: [{ name: 'http', port: 9898 }] },
      });
      const ing = (name: string, svcName: string, ann: Record<string, string> = {}) => ({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, namespace: N2, annotations: ann },
        spec: {
          ingressClassName: 'nginx',
          rules: [
            { host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: svcName, port: { number: 9898 } } } }] } },
          ],
        },
      });
      const upstream = (name: string, svcName: string) => ({
        apiVersion: 'gloo.solo.io/v1',
        kind: 'Upstream',
        metadata: { name, namespace: N2 },
        spec: { kube: { serviceName: svcName, serviceNamespace: N2, servicePort: 9898 } },
      });
      await apply(
        inNs(deployment('podinfo-primary', { app: 'podinfo-primary' }, 2, 'ghcr.io/stefanprodan/podinfo:6.0.0', { SLUICE_SIM_LATENCY_MS: '20' })),
        inNs(deployment('podinfo', { app: 'podinfo' }, 2, 'ghcr.io/stefanprodan/podinfo:6.0.1', { SLUICE_SIM_ERROR_RATE: '0.5', SLUICE_SIM_LATENCY_MS: '40' })),
        svc('podinfo', 'podinfo-primary'),
        svc('podinfo-primary', 'podinfo-primary'),
        svc('podinfo-canary', 'podinfo'),
        {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'VirtualService',
          metadata: { name: 'podinfo', namespace: N2 },
          spec: {
            hosts: ['podinfo'],
            gateways: ['mesh'],
            http: [
              {
                route: [
                  { destination: { host: 'podinfo-primary' }, weight: 50 },
                  { destination: { host: 'podinfo-canary' }, weight: 50 },
                ],
              },
            ],
          },
        },
        {
          apiVersion: 'split.smi-spec.io/v1alpha2',
          kind: 'TrafficSplit',
          metadata: { name: 'podinfo', namespace: N2 },
          spec: {
            service: 'podinfo',
            backends: [
              { service: 'podinfo-canary', weight: 50 },
              { service: 'podinfo-primary', weight: 50 },
            ],
          },
        },
        {
          apiVersion: 'kuma.io/v1alpha1',
          kind: 'TrafficRoute',
          metadata: { name: `podinfo-${N2}` },
          mesh: 'default',
          spec: {
            sources: [{ match: { 'kuma.io/service': '*' } }],
            destinations: [{ match: { 'kuma.io/service': `podinfo_${N2}_svc_9898` } }],
            conf: {
              split: [
                { weight: 50, destination: { 'kuma.io/service': `podinfo-primary_${N2}_svc_9898` } },
                { weight: 50, destination: { 'kuma.io/service': `podinfo-canary_${N2}_svc_9898` } },
              ],
            },
          },
        },
        upstream(`${N2}-podinfo-primaryupstream-9898`, 'podinfo-primary'),
        upstream(`${N2}-podinfo-canaryupstream-9898`, 'podinfo-canary'),
        {
          apiVersion: 'gateway.solo.io/v1',
          kind: 'RouteTable',
          metadata: { name: 'podinfo', namespace: N2 },
          spec: {
            routes: [
              {
                matchers: [{ prefix: '/' }],
                routeAction: {
                  multi: {
                    destinations: [
                      { destination: { upstream: { name: `${N2}-podinfo-primaryupstream-9898`, namespace: N2 } }, weight: 50 },
                      { destination: { upstream: { name: `${N2}-podinfo-canaryupstream-9898`, namespace: N2 } }, weight: 50 },
                    ],
                  },
                },
              },
            ],
          },
        },
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'podinfo', namespace: N2 },
          spec: {
            parentRefs: [{ name: 'gateway', namespace: 'istio-ingress' }],
            hostnames: ['app.example.com'],
            rules: [
              {
                backendRefs: [
                  { name: 'podinfo-primary', port: 9898, weight: 50 },
                  { name: 'podinfo-canary', port: 9898, weight: 50 },
                ],
              },
            ],
          },
        },
        ing('podinfo', 'podinfo'),
        ing('podinfo-canary', 'podinfo-canary', { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '50' }),
        {
          apiVersion: 'projectcontour.io/v1',
          kind: 'HTTPProxy',
          metadata: { name: 'podinfo', namespace: N2 },
          spec: {
            routes: [
              {
                conditions: [{ prefix: '/' }],
                services: [
                  { name: 'podinfo-primary', port: 9898, weight: 50 },
                  { name: 'podinfo-canary', port: 9898, weight: 50 },
                ],
              },
            ],
          },
        },
      );
      await waitFor(async () => (await available2('podinfo-primary')) && (await available2('podinfo')), 60_000, { what: 'podinfo deployments available' });
      async function available2(name: string) {
        const d = await kubectlJson(['-n', N2, 'get', 'deployment', name]);
        return d.status?.availableReplicas === 2 && d.status?.updatedReplicas === 2;
      }
    });

    after(async function () {
      this.timeout(60_000);
      await kubectl(['delete', 'trafficroutes.kuma.io', `podinfo-${N2}`, '--wait=false']).catch(() => undefined);
      await kubectl(['delete', 'namespace', N2, '--wait=false']).catch(() => undefined);
    });

    for (const provider of Object.keys(queries)) {
      it(`${provider}: success rate of the canary ~50 % and a request duration`, async function () {
        this.timeout(60_000);
        const sr = await waitFor(
          async () => {
            const v = await promValue(queries[provider]);
            return v !== undefined && v >= 35 && v <= 65 ? v : false;
          },
          40_000,
          { what: `${provider} success rate in 35..65` },
        );
        expect(sr).to.be.within(35, 65);
        const rd = await promValue(durations[provider]);
        expect(rd, 'request duration').to.be.a('number').and.to.be.greaterThan(0);
      });
    }
  });
});
