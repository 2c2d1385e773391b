// Ingress and gateway providers end to end (issues #14, #15): NGINX (the Ingress a Canary names is
// read and watched), Contour, Gateway API, Gloo with an upstreamRef in another namespace, Traefik,
// APISIX (the ApisixRoute a Canary names is read and watched), Skipper (the Ingress is copied with
// backend weights) and Gloo Mesh (the delegate of the RouteTable a Canary names), each
// promoted and rolled back by the operator (a real `sluice run`) on the local control plane, with
// the metrics the traffic generator serves for the routing objects Sluice writes.
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson, promValue, waitFor } from '../support/cluster.js';
import {
  startOperator,
  createApp,
  podinfoCanary,
  waitForPhase,
  canaryEvents,
  setImage,
  deploymentImage,
  deploymentReplicas,
  deleteNamespace,
  applyObjects,
  FAST,
  type OperatorProcess,
  type AppOptions,
} from './support/rollout.js';

const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const run = `${process.pid % 10000}`;
const FAULT = { SLUICE_SIM_ERROR_RATE: '0.5' };

const builtinMetrics = [
  { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval },
  { name: 'request-duration', thresholdRange: { max: 500 }, interval: FAST.metricInterval },
];
const analysis = (threshold: number) => ({ interval: FAST.interval, threshold, stepWeight: 10, maxWeight: 50, metrics: builtinMetrics });

interface Scenario {
  ns: string;
  app: Omit<AppOptions, 'namespace'>;
  fault?: Record<string, string>;
  expect: 'Succeeded' | 'Failed';
}

/** The user's Ingress that an nginx Canary names (Sluice clones it as podinfo-canary). */
const ingress = (ns: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'podinfo', namespace: ns, labels: { app: 'podinfo' } },
  spec: {
    ingressClassName: 'nginx',
    rules: [
      { host: `app-${ns}.example.com`, http: { paths: [{ pathType: 'Prefix', path: '/', backend: { service: { name: 'podinfo', port: { number: 80 } } } }] } },
    ],
  },
});

/** The Upstream a gloo Canary's upstreamRef names, whose settings the generated Upstreams copy. */
const upstream = (ns: string) => ({
  apiVersion: 'gloo.solo.io/v1',
  kind: 'Upstream',
  metadata: { name: 'podinfo-upstream', namespace: ns },
  spec: { connectionConfig: { maxRequestsPerConnection: 100 }, kube: { serviceName: 'podinfo', serviceNamespace: ns, servicePort: 9898 } },
});

/** The user's ApisixRoute an apisix Canary names (Sluice copies its rule as podinfo-podinfo-canary). */
const apisixRoute = (ns: string) => ({
  apiVersion: 'apisix.apache.org/v2',
  kind: 'ApisixRoute',
  metadata: { name: 'podinfo', namespace: ns, labels: { team: 'web' } },
  spec: { http: [{ name: 'main', match: { hosts: [`app-${ns}.example.com`], paths: ['/*'] }, backends: [{ serviceName: 'podinfo', servicePort: 80 }] }] },
});

/** The user's Ingress a skipper Canary names, as Flagger's skipper e2e writes it (Service podinfo-service). */
const skipperIngress = (ns: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'podinfo-ingress', namespace: ns, labels: { app: 'podinfo' }, annotations: { 'kubernetes.io/ingress.class': 'skipper' } },
  spec: {
    rules: [
      {
        host: `app-${ns}.example.com`,
        http: { paths: [{ pathType: 'Prefix', path: '/', backend: { service: { name: 'podinfo-service', port: { number: 80 } } } }] },
      },
    ],
  },
});

/** The user's RouteTable a gloo-mesh Canary names, as Flagger's Gloo Mesh e2e writes it: it delegates to podinfo-delegate. */
const delegatingTable = (ns: string) => ({
  apiVersion: 'networking.gloo.solo.io/v2',
  kind: 'RouteTable',
  metadata: { name: 'podinfo', namespace: ns, labels: { expose: 'true' } },
  spec: {
    hosts: [`podinfo.${ns}.svc.cluster.local`],
    virtualGateways: [{ name: 'north-south-gw', namespace: 'istio-gateways', cluster: 'cluster1' }],
    http: [{ delegate: { routeTables: [{ name: 'podinfo-delegate', namespace: ns }] } }],
  },
});

/**
 * Gloo Mesh's data plane is Istio's: a gloo-mesh Canary measures with Istio's metrics through a
 * MetricTemplate, as the builtins of gloo-mesh are Gloo Edge's (Flagger's observer for gloo*).
 */
const istioSuccessRate = (ns: string) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'MetricTemplate',
  metadata: { name: 'istio-success-rate', namespace: ns },
  spec: {
    provider: { type: 'prometheus' },
    query:
      'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}",response_code!~"5.*"}[{{ interval }}])) / ' +
      'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}"}[{{ interval }}])) * 100',
  },
});

const upstreamNs = `e2e-gloo-system-${run}`;

function scenarios(): Record<string, Scenario> {
  const s: Record<string, Scenario> = {};
  const add = (key: string, expected: Scenario['expect'], spec: Record<string, unknown>, objects: (ns: string) => Record<string, unknown>[] = () => []) => {
    const ns = `e2e-${key}-${run}`;
    s[key] = {
      ns,
      app: { canary: podinfoCanary(ns, spec), extra: objects(ns) },
      expect: expected,
      ...(expected === 'Failed' ? { fault: FAULT } : {}),
    };
  };
  for (const [suffix, expected, threshold] of [
    ['', 'Succeeded', 5],
    ['fail', 'Failed', 3],
  ] as const) {
    add(
      `nginx${suffix}`,
      expected,
      {
        provider: 'nginx',
        ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' },
        service: { port: 80, targetPort: 9898 },
        analysis: analysis(threshold),
      },
      (ns) => [ingress(ns)],
    );
    add(`contour${suffix}`, expected, { provider: 'contour', analysis: analysis(threshold) });
    add(`gwapi${suffix}`, expected, {
      provider: 'gatewayapi:v1',
      service: { port: 9898, targetPort: 9898, hosts: ['app.example.com'], gatewayRefs: [{ name: 'gateway', namespace: 'istio-ingress' }] },
      analysis: analysis(threshold),
    });
    add(`traefik${suffix}`, expected, {
      provider: 'traefik',
      service: { port: 80, targetPort: 9898, apex: { labels: { test: 'test-label' }, annotations: { test: 'test-annotation' } } },
      analysis: analysis(threshold),
    });
    add(
      `apisix${suffix}`,
      expected,
      {
        provider: 'apisix',
        routeRef: { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', name: 'podinfo' },
        service: { port: 80, targetPort: 9898 },
        analysis: analysis(threshold),
      },
      (ns) => [apisixRoute(ns)],
    );
    add(
      `skipper${suffix}`,
      expected,
      {
        provider: 'skipper',
        ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo-ingress' },
        service: { name: 'podinfo-service', port: 80, targetPort: 9898 },
        analysis: analysis(threshold),
      },
      (ns) => [skipperIngress(ns)],
    );
    add(`glooref${suffix}`, expected, {
      provider: 'gloo',
      upstreamRef: { apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', name: 'podinfo-upstream', namespace: upstreamNs },
      analysis: analysis(threshold),
    });
    add(
      `gloomesh${suffix}`,
      expected,
      {
        provider: 'gloo-mesh',
        routeTableRef: { name: 'podinfo', namespace: `e2e-gloomesh${suffix}-${run}` },
        service: { port: 9898, targetPort: 9898 },
        analysis: {
          ...analysis(threshold),
          metrics: [{ name: 'istio-success-rate', templateRef: { name: 'istio-success-rate' }, thresholdRange: { min: 99 }, interval: FAST.metricInterval }],
        },
      },
      (ns) => [delegatingTable(ns), istioSuccessRate(ns)],
    );
  }
  return s;
}

describe('e2e: ingress and gateway providers (nginx, contour, gatewayapi, gloo upstreamRef, traefik, apisix, skipper, gloo-mesh)', function () {
  this.timeout(15 * 60_000);
  const all = scenarios();
  let operator: OperatorProcess;
  const outcome: Record<string, Promise<any>> = {};
  const t = (key: string) => `podinfo.${all[key].ns}`;

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
    await kubectl(['create', 'namespace', upstreamNs]).catch(() => undefined);
    await applyObjects([upstream(upstreamNs)]);
    operator = await startOperator();
    await Promise.all(Object.values(all).map((s) => createApp({ namespace: s.ns, ...s.app })));
    await Promise.all(Object.values(all).map((s) => waitForPhase(s.ns, ['Initialized'], 180_000)));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator log: ${operator?.logFile}`);
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all([...Object.values(all).map((s) => s.ns), upstreamNs].map(deleteNamespace));
  });

  it('nginx initializes: the primary, the Services, and podinfo-canary cloned from the Ingress at weight 0; the target at zero', async () => {
    const { ns } = all.nginx;
    const copy = await kubectlJson(['-n', ns, 'get', 'ingress', 'podinfo-canary']);
    expect(copy.metadata.annotations).to.include({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '0' });
    expect(copy.spec.rules[0].http.paths[0].backend.service.name).to.equal('podinfo-canary');
    expect(copy.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo' });
    for (const svc of ['podinfo', 'podinfo-primary', 'podinfo-canary']) await kubectl(['-n', ns, 'get', 'service', svc]);
    await waitFor(async () => (await deploymentReplicas(ns, 'podinfo')) === 0, 20_000, { what: 'podinfo scaled to zero', intervalMs: 250 });
    expect(await canaryEvents(ns)).to.include(`Initialization done! ${t('nginx')}`);
  });

  it("an edit of the user's Ingress reaches podinfo-canary at once (the Ingress is watched)", async () => {
    const { ns } = all.nginx;
    await kubectl(['-n', ns, 'annotate', 'ingress', 'podinfo', 'nginx.ingress.kubernetes.io/proxy-body-size=8m']);
    await waitFor(
      async () =>
        (await kubectlJson(['-n', ns, 'get', 'ingress', 'podinfo-canary'])).metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'] === '8m',
      20_000,
      { what: 'the annotation on podinfo-canary', intervalMs: 250 },
    );
  });

  it('gloo with an upstreamRef in another namespace initializes, its Upstreams copying the referenced settings, and follows an edit of it', async () => {
    const { ns } = all.glooref;
    const primary = await kubectlJson(['-n', ns, 'get', 'upstreams.gloo.solo.io', `${ns}-podinfo-primaryupstream-9898`]);
    expect(primary.spec.connectionConfig).to.deep.equal({ maxRequestsPerConnection: 100 });
    expect(primary.spec.kube).to.include({ serviceName: 'podinfo-primary', serviceNamespace: ns });
    await kubectl([
      '-n',
      upstreamNs,
      'patch',
      'upstreams.gloo.solo.io',
      'podinfo-upstream',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { connectionConfig: { maxRequestsPerConnection: 7 } } }),
    ]);
    await waitFor(
      async () =>
        (await kubectlJson(['-n', ns, 'get', 'upstreams.gloo.solo.io', `${ns}-podinfo-canaryupstream-9898`])).spec.connectionConfig
          ?.maxRequestsPerConnection === 7,
      20_000,
      { what: 'the edited setting on the canary Upstream', intervalMs: 250 },
    );
  });

  it('traefik initializes: the TraefikService podinfo with the apex metadata, all traffic to podinfo-primary', async () => {
    const { ns } = all.traefik;
    const ts = await kubectlJson(['-n', ns, 'get', 'traefikservices.traefik.io', 'podinfo']);
    expect(ts.spec.weighted.services).to.deep.equal([{ name: 'podinfo-primary', namespace: ns, port: 80, weight: 100 }]);
    expect(ts.metadata.labels).to.include({ test: 'test-label' });
    expect(ts.metadata.annotations).to.include({ test: 'test-annotation' });
    expect(ts.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo' });
  });

  it('apisix initializes: podinfo-podinfo-canary copied from the ApisixRoute, primary 100 and canary 0, and follows an edit of it', async () => {
    const { ns } = all.apisix;
    const copy = await kubectlJson(['-n', ns, 'get', 'apisixroutes.apisix.apache.org', 'podinfo-podinfo-canary']);
    expect(copy.spec.http[0].priority).to.equal(10000);
    expect(copy.spec.http[0].backends.map((b: any) => [b.serviceName, b.weight])).to.deep.equal([
      ['podinfo-primary', 100],
      ['podinfo-canary', 0],
    ]);
    expect(copy.metadata.labels).to.include({ team: 'web' });
    expect(copy.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo' });
    await kubectl([
      '-n',
      ns,
      'patch',
      'apisixroutes.apisix.apache.org',
      'podinfo',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'add', path: '/spec/http/0/websocket', value: true }]),
    ]);
    await waitFor(
      async () => (await kubectlJson(['-n', ns, 'get', 'apisixroutes.apisix.apache.org', 'podinfo-podinfo-canary'])).spec.http[0].websocket === true,
      20_000,
      { what: 'the edited rule on podinfo-podinfo-canary', intervalMs: 250 },
    );
  });

  it('skipper initializes: podinfo-ingress-canary to podinfo-service-primary and -canary at 100/0, disabled by False()', async () => {
    const { ns } = all.skipper;
    const copy = await kubectlJson(['-n', ns, 'get', 'ingress', 'podinfo-ingress-canary']);
    expect(copy.metadata.annotations).to.include({
      'zalando.org/backend-weights': '{"podinfo-service-canary":0,"podinfo-service-primary":100}',
      'zalando.org/skipper-predicate': 'False()',
      'kubernetes.io/ingress.class': 'skipper',
    });
    expect(copy.spec.rules[0].http.paths.map((p: any) => p.backend.service.name)).to.deep.equal(['podinfo-service-primary', 'podinfo-service-canary']);
    expect(copy.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo' });
    const user = await kubectlJson(['-n', ns, 'get', 'ingress', 'podinfo-ingress']);
    expect(user.spec.rules[0].http.paths[0].backend.service.name).to.equal('podinfo-service');
  });

  it("gloo-mesh initializes: podinfo-delegate, the table podinfo delegates to, with weighted-route at 100/0 and the delegator's labels, and follows an edit of it", async () => {
    const { ns } = all.gloomesh;
    const table = await kubectlJson(['-n', ns, 'get', 'routetables.networking.gloo.solo.io', 'podinfo-delegate']);
    expect(table.spec.http).to.have.length(1);
    expect(table.spec.http[0].name).to.equal('weighted-route');
    expect(table.spec.http[0].forwardTo.destinations).to.deep.equal([
      { ref: { name: 'podinfo-primary', namespace: ns }, port: { number: 9898 }, weight: 100 },
      { ref: { name: 'podinfo-canary', namespace: ns }, port: { number: 9898 } },
    ]);
    expect(table.metadata.labels).to.include({ expose: 'true' });
    expect(table.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo', controller: true });
    const user = await kubectlJson(['-n', ns, 'get', 'routetables.networking.gloo.solo.io', 'podinfo']);
    expect(user.spec.http[0].delegate.routeTables[0].name, "the user's table is left as written").to.equal('podinfo-delegate');
    // The delegating table is watched: a label added to it reaches the delegate at once.
    await kubectl(['-n', ns, 'label', 'routetables.networking.gloo.solo.io', 'podinfo', 'team=web']);
    await waitFor(
      async () => (await kubectlJson(['-n', ns, 'get', 'routetables.networking.gloo.solo.io', 'podinfo-delegate'])).metadata.labels?.team === 'web',
      20_000,
      { what: 'the label on podinfo-delegate', intervalMs: 250 },
    );
  });

  describe('rollouts', function () {
    before(async function () {
      this.timeout(20 * 60_000);
      for (const [key, s] of Object.entries(all)) {
        await setImage(s.ns, NEW, s.fault);
        outcome[key] = waitForPhase(s.ns, ['Succeeded', 'Failed'], 300_000);
        outcome[key].catch(() => undefined);
      }
    });

    for (const provider of ['nginx', 'contour', 'gwapi', 'glooref', 'traefik', 'apisix', 'skipper']) {
      it(`${provider}: promotes 10..50 with the metrics of its routing objects, then all traffic back to the primary`, async () => {
        const { ns } = all[provider];
        const st = await outcome[provider];
        const events = await canaryEvents(ns);
        expect(st.phase, events.join('\n')).to.equal('Succeeded');
        const expected = [
          `Initialization done! ${t(provider)}`,
          `New revision detected! Scaling up ${t(provider)}`,
          `Starting canary analysis for ${t(provider)}`,
          ...[10, 20, 30, 40, 50].map((w) => `Advance ${t(provider)} canary weight ${w}`),
          `Copying ${t(provider)} template spec to podinfo-primary.${ns}`,
          'Routing all traffic to primary',
          `Promotion completed! Scaling down ${t(provider)}`,
        ];
        expect(events.filter((e) => expected.includes(e))).to.deep.equal(expected);
        const sr = st.metrics.find((m: any) => m.name === 'request-success-rate');
        expect(sr, JSON.stringify(st.metrics)).to.include({ result: 'pass' });
        expect(sr.value).to.be.at.least(99);
        expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
        expect(await deploymentReplicas(ns, 'podinfo')).to.equal(0);
      });

      it(`${provider}: rolls back on HTTP 500s, "success rate ... < 99%", traffic back to the primary`, async () => {
        const key = `${provider}fail`;
        const { ns } = all[key];
        const st = await outcome[key];
        const events = await canaryEvents(ns);
        expect(st.phase, events.join('\n')).to.equal('Failed');
        expect(
          events.some((e) => e.startsWith(`Halt ${t(key)} advancement success rate `) && e.endsWith('% < 99%')),
          events.join('\n'),
        ).to.equal(true);
        expect(events).to.include(`Rolling back ${t(key)} failed checks threshold reached 3`);
        expect(events).to.include(`Canary failed! Scaling down ${t(key)}`);
        expect(st).to.include({ canaryWeight: 0, failedChecks: 0 });
        expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(OLD);
        expect(await deploymentReplicas(ns, 'podinfo')).to.equal(0);
      });
    }

    it('gloo-mesh: promotes 10..50 by the weights of podinfo-delegate, measured with the Istio metrics of its data plane', async () => {
      const { ns } = all.gloomesh;
      const st = await outcome.gloomesh;
      const events = await canaryEvents(ns);
      expect(st.phase, events.join('\n')).to.equal('Succeeded');
      const tt = t('gloomesh');
      const expected = [
        `Initialization done! ${tt}`,
        `New revision detected! Scaling up ${tt}`,
        `Starting canary analysis for ${tt}`,
        ...[10, 20, 30, 40, 50].map((w) => `Advance ${tt} canary weight ${w}`),
        `Copying ${tt} template spec to podinfo-primary.${ns}`,
        'Routing all traffic to primary',
        `Promotion completed! Scaling down ${tt}`,
      ];
      expect(events.filter((e) => expected.includes(e))).to.deep.equal(expected);
      const sr = st.metrics.find((m: any) => m.name === 'istio-success-rate');
      expect(sr, JSON.stringify(st.metrics)).to.include({ result: 'pass' });
      expect(sr.value).to.be.at.least(99);
      // The host's traffic reached the canary through podinfo's delegation to weighted-route, not only the load test's.
      const routed = await promValue(
        `sum(max_over_time(sluice_sim_requests_total{route="RouteTable.networking.gloo.solo.io/${ns}/podinfo",backend="${ns}/podinfo-canary"}[30m]))`,
      );
      expect(routed, 'requests routed to podinfo-canary by the delegate table').to.be.greaterThan(0);
      expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
      expect(await deploymentReplicas(ns, 'podinfo')).to.equal(0);
    });

    it('gloo-mesh: rolls back on HTTP 500s, "istio-success-rate ... < 99", traffic back to the primary', async () => {
      const { ns } = all.gloomeshfail;
      const st = await outcome.gloomeshfail;
      const events = await canaryEvents(ns);
      const tt = t('gloomeshfail');
      expect(st.phase, events.join('\n')).to.equal('Failed');
      expect(
        events.some((e) => e.startsWith(`Halt ${tt} advancement istio-success-rate `) && e.endsWith(' < 99')),
        events.join('\n'),
      ).to.equal(true);
      expect(events).to.include(`Rolling back ${tt} failed checks threshold reached 3`);
      expect(events).to.include(`Canary failed! Scaling down ${tt}`);
      expect(st).to.include({ canaryWeight: 0, failedChecks: 0 });
      expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(OLD);
      expect(await deploymentReplicas(ns, 'podinfo')).to.equal(0);
    });

    it('routing objects are back at 100/0 after the rollouts, as Flagger writes them (zero weights omitted)', async () => {
      for (const key of ['nginx', 'nginxfail']) {
        const copy = await kubectlJson(['-n', all[key].ns, 'get', 'ingress', 'podinfo-canary']);
        expect(copy.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight'], key).to.equal('0');
      }
      for (const key of ['contour', 'contourfail']) {
        const proxy = await kubectlJson(['-n', all[key].ns, 'get', 'httpproxies.projectcontour.io', 'podinfo']);
        const [primary, canary] = proxy.spec.routes[0].services;
        expect(primary.weight, key).to.equal(100);
        expect(canary, key).to.not.have.property('weight');
        expect(proxy.metadata.annotations).to.include({ 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' });
      }
      for (const key of ['gwapi', 'gwapifail']) {
        const route = await kubectlJson(['-n', all[key].ns, 'get', 'httproutes.gateway.networking.k8s.io', 'podinfo']);
        expect(
          route.spec.rules[0].backendRefs.map((b: any) => b.weight),
          key,
        ).to.deep.equal([100, 0]);
      }
      for (const key of ['traefik', 'traefikfail']) {
        const ts = await kubectlJson(['-n', all[key].ns, 'get', 'traefikservices.traefik.io', 'podinfo']);
        expect(
          ts.spec.weighted.services.map((s: any) => [s.name, s.weight]),
          key,
        ).to.deep.equal([['podinfo-primary', 100]]);
      }
      for (const key of ['apisix', 'apisixfail']) {
        const copy = await kubectlJson(['-n', all[key].ns, 'get', 'apisixroutes.apisix.apache.org', 'podinfo-podinfo-canary']);
        expect(
          copy.spec.http[0].backends.map((b: any) => b.weight),
          key,
        ).to.deep.equal([100, 0]);
      }
      for (const key of ['skipper', 'skipperfail']) {
        const copy = await kubectlJson(['-n', all[key].ns, 'get', 'ingress', 'podinfo-ingress-canary']);
        expect(copy.metadata.annotations, key).to.include({
          'zalando.org/backend-weights': '{"podinfo-service-canary":0,"podinfo-service-primary":100}',
          'zalando.org/skipper-predicate': 'False()',
        });
      }
      for (const key of ['gloomesh', 'gloomeshfail']) {
        const table = await kubectlJson(['-n', all[key].ns, 'get', 'routetables.networking.gloo.solo.io', 'podinfo-delegate']);
        expect(
          table.spec.http[0].forwardTo.destinations.map((d: any) => d.weight ?? null),
          key,
        ).to.deep.equal([100, null]);
      }
      for (const key of ['glooref', 'glooreffail']) {
        const table = await kubectlJson(['-n', all[key].ns, 'get', 'routetables.gateway.solo.io', 'podinfo']);
        expect(
          table.spec.routes[0].routeAction.multi.destinations.map((d: any) => d.weight ?? null),
          key,
        ).to.deep.equal([100, null]);
      }
    });
  });
});
