import { expect } from 'chai';
import { canaryRoutes } from '../../traffic/observers/canary.js';
import { contour } from '../../traffic/observers/contour.js';
import { traefik } from '../../traffic/observers/traefik.js';
import { apisix } from '../../traffic/observers/apisix.js';
import { gatewayapi } from '../../traffic/observers/gatewayapi.js';
import { gloo } from '../../traffic/observers/gloo.js';
import { glooMesh } from '../../traffic/observers/gloo-mesh.js';
import { istio } from '../../traffic/observers/istio.js';
import { kuma, parseKumaTag } from '../../traffic/observers/kuma.js';
import { nginx } from '../../traffic/observers/nginx.js';
import { skipper } from '../../traffic/observers/skipper.js';
import { smi } from '../../traffic/observers/smi.js';
import { renderBuiltinQuery } from '../../../src/analysis/builtin-queries.js';
import { serviceFromHost } from '../../traffic/observers/util.js';
import { resourceKey, type KObj, type RouteObserver } from '../../traffic/types.js';

function routesOf(o: RouteObserver, objs: Record<string, KObj[]>, canaries: KObj[] = []) {
  const objects = new Map<string, KObj[]>();
  for (const r of o.resources) objects.set(resourceKey(r), objs[r.plural] ?? []);
  return o.routes({ objects, canaries, rps: 20 });
}
const weights = (r: { backends: { service: string; weight: number }[] }) => Object.fromEntries(r.backends.map((b) => [b.service, b.weight]));

describe('traffic/observers', () => {
  it('resolves Istio hosts to Services', () => {
    expect(serviceFromHost('podinfo-canary', 'test')).to.deep.equal({ name: 'podinfo-canary', namespace: 'test' });
    expect(serviceFromHost('podinfo-canary.other', 'test')).to.deep.equal({ name: 'podinfo-canary', namespace: 'other' });
    expect(serviceFromHost('podinfo-canary.other.svc.cluster.local', 'test')).to.deep.equal({ name: 'podinfo-canary', namespace: 'other' });
  });

  it('istio: weights, A/B header and cookie matches, mirroring, delegation', () => {
    const vs: KObj = {
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: {
        hosts: ['podinfo'],
        gateways: ['mesh'],
        http: [
          {
            match: [{ headers: { 'X-Canary': { exact: 'insider' } } }, { headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } }],
            route: [
              { destination: { host: 'podinfo-primary' }, weight: 0 },
              { destination: { host: 'podinfo-canary' }, weight: 100 },
            ],
          },
          {
            route: [
              { destination: { host: 'podinfo-primary' }, weight: 90 },
              { destination: { host: 'podinfo-canary' }, weight: 10 },
            ],
            mirror: { host: 'podinfo-canary' },
            mirrorPercentage: { value: 50 },
          },
        ],
      },
    };
    const delegate: KObj = { metadata: { name: 'root', namespace: 'test' }, spec: { hosts: ['app.example.com'], http: [{ delegate: { name: 'podinfo' } }] } };
    const [r, root] = routesOf(istio, { virtualservices: [vs, delegate] });
    expect(r.families).to.deep.equal(['istio']);
    expect(r.rules).to.have.length(2);
    expect(r.rules[0].matches[0].conds).to.deep.equal([{ field: 'header', name: 'x-canary', op: 'exact', value: 'insider', ignoreCase: false }]);
    expect(weights(r.rules[1])).to.deep.equal({ 'podinfo-primary': 90, 'podinfo-canary': 10 });
    expect(r.rules[1].mirror).to.deep.include({ percent: 50 });
    expect(r.rules[1].mirror!.backend.service).to.equal('podinfo-canary');
    expect(root.rules).to.have.length(2, 'delegate rules are inlined');
  });

  it('smi: weights of every version; families from the owning Canary or the written version', () => {
    const ts = (name: string, v: string, w: unknown[], owner?: string): KObj => ({
      apiVersion: `split.smi-spec.io/${v}`,
      metadata: {
        name,
        namespace: 'test',
        managedFields: [{ apiVersion: `split.smi-spec.io/${v}`, time: '2026-01-01T00:00:00Z' }],
        ownerReferences: owner ? [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: owner }] : undefined,
      },
      spec: {
        service: 'podinfo',
        backends: [
          { service: 'podinfo-canary', weight: w[0] },
          { service: 'podinfo-primary', weight: w[1] },
        ],
      },
    });
    const canaries: KObj[] = [{ metadata: { name: 'osm-app', namespace: 'test' }, spec: { provider: 'osm' } }];
    const rs = routesOf(
      smi,
      {
        trafficsplits: [
          ts('a', 'v1alpha1', ['500m', '500m']),
          ts('b', 'v1alpha2', [0, 100]),
          ts('c', 'v1alpha2', [50, 50], 'osm-app'),
          ts('d', 'v1alpha3', [10, 90]),
        ],
      },
      canaries,
    );
    expect(rs.map((r) => r.families)).to.deep.equal([['linkerd'], ['linkerd', 'osm'], ['osm'], ['linkerd']]);
    expect(weights(rs[0].rules[0])).to.deep.equal({ 'podinfo-canary': 0.5, 'podinfo-primary': 0.5 });
    expect(weights(rs[1].rules[0])).to.deep.equal({ 'podinfo-canary': 0, 'podinfo-primary': 100 });
  });

  it('kuma: split by kuma.io/service tags, cluster-scoped with top-level mesh', () => {
    expect(parseKumaTag('podinfo-canary_test_svc_9898')).to.deep.equal({ name: 'podinfo-canary', namespace: 'test', port: 9898 });
    const tr: KObj = {
      metadata: { name: 'podinfo' },
      mesh: 'default',
      spec: {
        sources: [{ match: { 'kuma.io/service': '*' } }],
        destinations: [{ match: { 'kuma.io/service': 'podinfo_test_svc_9898' } }],
        conf: {
          split: [
            { weight: 70, destination: { 'kuma.io/service': 'podinfo-primary_test_svc_9898' } },
            { weight: 30, destination: { 'kuma.io/service': 'podinfo-canary_test_svc_9898' } },
          ],
        },
      },
    };
    const [r] = routesOf(kuma, { trafficroutes: [tr] });
    expect(r.namespace).to.equal('test');
    expect(weights(r.rules[0])).to.deep.equal({ 'podinfo-primary': 70, 'podinfo-canary': 30 });
    expect(r.rules[0].backends[1].labels).to.deep.equal({ service: 'podinfo-canary_test_svc_9898', mesh: 'default' });
  });

  it('gloo: RouteTable destinations resolve through kube Upstreams; envoy_cluster_name is <upstream>_<ns>', () => {
    const up = (name: string, svc: string): KObj => ({
      metadata: { name, namespace: 'gloo' },
      spec: { kube: { serviceName: svc, serviceNamespace: 'test', servicePort: 9898 } },
    });
    const rt: KObj = {
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: {
        routes: [
          {
            matchers: [{ headers: [{ name: 'x-canary', value: 'insider' }], prefix: '/' }],
            routeAction: {
              multi: { destinations: [{ destination: { upstream: { name: 'test-podinfo-canaryupstream-9898', namespace: 'gloo' } }, weight: 100 }] },
            },
          },
          {
            matchers: [{ prefix: '/' }],
            routeAction: {
              multi: {
                destinations: [
                  { destination: { upstream: { name: 'test-podinfo-primaryupstream-9898', namespace: 'gloo' } }, weight: 80 },
                  { destination: { upstream: { name: 'test-podinfo-canaryupstream-9898', namespace: 'gloo' } }, weight: 20 },
                ],
              },
            },
          },
        ],
      },
    };
    const [r] = routesOf(gloo, {
      routetables: [rt],
      upstreams: [up('test-podinfo-primaryupstream-9898', 'podinfo-primary'), up('test-podinfo-canaryupstream-9898', 'podinfo-canary')],
    });
    expect(weights(r.rules[1])).to.deep.equal({ 'podinfo-primary': 80, 'podinfo-canary': 20 });
    expect(r.rules[1].backends[1].labels).to.deep.equal({ envoy_cluster_name: 'test-podinfo-canaryupstream-9898_gloo' });
    expect(r.rules[0].matches[0].conds).to.deep.include({ field: 'header', name: 'x-canary', op: 'exact', value: 'insider' });
  });

  it('gloo-mesh: a root RouteTable (with hosts) delegates by name to the weighted table; a missing weight is 0; recorded as Istio', () => {
    const delegator: KObj = {
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: { hosts: ['podinfo.test.svc.cluster.local'], http: [{ delegate: { routeTables: [{ name: 'podinfo-delegate', namespace: 'test' }] } }] },
    };
    const delegate = (canaryWeight?: number): KObj => ({
      metadata: { name: 'podinfo-delegate', namespace: 'test' },
      spec: {
        http: [
          {
            name: 'weighted-route',
            forwardTo: {
              destinations: [
                { ref: { name: 'podinfo-primary', namespace: 'test' }, port: { number: 9898 }, weight: 100 - (canaryWeight ?? 0) },
                { ref: { name: 'podinfo-canary', namespace: 'test' }, port: { number: 9898 }, ...(canaryWeight ? { weight: canaryWeight } : {}) },
              ],
            },
          },
        ],
      },
    });
    const [r, ...rest] = routesOf(glooMesh, { routetables: [delegator, delegate(30)] });
    expect(rest, 'the delegate table is no root of its own').to.deep.equal([]);
    expect(r).to.include({ name: 'podinfo', namespace: 'test', host: 'podinfo.test.svc.cluster.local' });
    expect(r.families).to.deep.equal(['istio']);
    expect(weights(r.rules[0])).to.deep.equal({ 'podinfo-primary': 70, 'podinfo-canary': 30 });
    expect(r.rules[0].backends[0].port).to.equal(9898);
    const [initial] = routesOf(glooMesh, { routetables: [delegator, delegate()] });
    expect(weights(initial.rules[0])).to.deep.equal({ 'podinfo-primary': 100, 'podinfo-canary': 0 });
    expect(routesOf(glooMesh, { routetables: [delegator] }), 'no delegate yet: nothing routed').to.deep.equal([]);
  });

  it('gloo-mesh: a Canary of provider gloo-mesh has its direct canary traffic recorded by the Istio sidecars', () => {
    const c: KObj = {
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: { provider: 'gloo-mesh', targetRef: { name: 'podinfo' }, service: { port: 9898 } },
    };
    const [direct] = canaryRoutes([c], 20, { directRps: 5, defaultProvider: 'istio' });
    expect(direct.families).to.deep.equal(['istio']);
  });

  it('gatewayapi: backendRefs weights (default 1), default match, mirror filter, no mesh family', () => {
    const hr: KObj = {
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: ['app.example.com'],
        rules: [
          { matches: [{ headers: [{ name: 'X-Canary', value: 'insider' }] }], backendRefs: [{ name: 'podinfo-canary', port: 9898 }] },
          {
            backendRefs: [
              { name: 'podinfo-primary', port: 9898, weight: 60 },
              { name: 'podinfo-canary', port: 9898, weight: 40 },
            ],
            filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'podinfo-canary', port: 9898 }, percent: 25 } }],
          },
        ],
      },
    };
    const [r] = routesOf(gatewayapi, { httproutes: [hr] });
    expect(r.families).to.deep.equal([]);
    expect(r.selection).to.equal('specific');
    expect(weights(r.rules[0])).to.deep.equal({ 'podinfo-canary': 1 });
    expect(weights(r.rules[1])).to.deep.equal({ 'podinfo-primary': 60, 'podinfo-canary': 40 });
    expect(r.rules[1].mirror?.percent).to.equal(25);
  });

  it('nginx: pairs the canary Ingress with the main one; header, cookie, then weight', () => {
    const ing = (name: string, svc: string, ann: Record<string, string> = {}): KObj => ({
      metadata: { name, namespace: 'test', annotations: ann },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } }] } }],
      },
    });
    const p = 'nginx.ingress.kubernetes.io';
    const [r] = routesOf(nginx, {
      ingresses: [
        ing('podinfo', 'podinfo'),
        ing('podinfo-canary', 'podinfo-canary', {
          [`${p}/canary`]: 'true',
          [`${p}/canary-weight`]: '30',
          [`${p}/canary-by-header`]: 'X-Canary',
          [`${p}/canary-by-header-value`]: 'insider',
          [`${p}/canary-by-cookie`]: 'canary',
        }),
      ],
    });
    expect(r.ingress).to.equal('podinfo');
    expect(r.rules.map((x) => x.matches[0]?.conds[0]?.field ?? 'default')).to.deep.equal(['header', 'cookie', 'cookie', 'default']);
    expect(weights(r.rules[3])).to.deep.equal({ podinfo: 70, 'podinfo-canary': 30 });
    expect(r.rules[3].backends[1].labels?.canary).to.equal('test-podinfo-canary-80');
    expect(r.rules[3].backends[0].labels?.canary).to.equal('');
    const [alone] = routesOf(nginx, { ingresses: [ing('web', 'web')] });
    expect(weights(alone.rules[0])).to.deep.equal({ web: 100 });
  });

  it('contour: conditions, weights (unset = equal), envoy cluster names <ns>_<svc>_<port>', () => {
    const hp: KObj = {
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: {
        virtualhost: { fqdn: 'app.example.com' },
        routes: [
          {
            conditions: [{ prefix: '/' }, { header: { name: 'x-canary', exact: 'insider' } }],
            services: [
              { name: 'podinfo-primary', port: 9898, weight: 0 },
              { name: 'podinfo-canary', port: 9898, weight: 100 },
            ],
          },
          {
            conditions: [{ prefix: '/' }],
            services: [
              { name: 'podinfo-primary', port: 9898 },
              { name: 'podinfo-canary', port: 9898 },
            ],
          },
        ],
      },
    };
    const [r] = routesOf(contour, { httpproxies: [hp] });
    expect(weights(r.rules[0])).to.deep.equal({ 'podinfo-primary': 0, 'podinfo-canary': 100 });
    expect(weights(r.rules[1])).to.deep.equal({ 'podinfo-primary': 1, 'podinfo-canary': 1 });
    expect(r.rules[0].backends[1].labels?.envoy_cluster_name).to.equal('test_podinfo-canary_9898');
  });

  it("traefik: weighted services (unset = 1, Traefik's default), recorded as <ns>-<svc>-<port>@kubernetescrd; nested TraefikServices skipped", () => {
    const ts = (services: unknown[]): KObj => ({ metadata: { name: 'podinfo', namespace: 'test' }, spec: { weighted: { services } } });
    const [r] = routesOf(traefik, {
      traefikservices: [
        ts([
          { name: 'podinfo-primary', namespace: 'test', port: 80, weight: 60 },
          { name: 'podinfo-canary', namespace: 'test', port: 80, weight: 40 },
          { name: 'other', kind: 'TraefikService' },
        ]),
      ],
    });
    expect(r.families).to.deep.equal(['traefik']);
    expect(weights(r.rules[0])).to.deep.equal({ 'podinfo-primary': 60, 'podinfo-canary': 40 });
    expect(r.rules[0].backends[1].labels?.traefik_service).to.equal('test-podinfo-canary-80@kubernetescrd');
    const [allToCanary] = routesOf(traefik, {
      traefikservices: [
        ts([
          { name: 'podinfo-primary', port: 80 },
          { name: 'podinfo-canary', port: 80, weight: 100 },
        ]),
      ],
    });
    expect(weights(allToCanary.rules[0])).to.deep.equal({ 'podinfo-primary': 1, 'podinfo-canary': 100 });
  });

  it('apisix: of rules with the same hosts and paths the highest priority wins; weighted backends (unset = 100), route <ns>_<name>_<rule>', () => {
    const rule = (backends: unknown[], priority?: number) => ({
      name: 'main',
      ...(priority ? { priority } : {}),
      match: { hosts: ['app.example.com'], paths: ['/*'] },
      backends,
    });
    const user: KObj = { metadata: { name: 'podinfo', namespace: 'test' }, spec: { http: [rule([{ serviceName: 'podinfo', servicePort: 80 }])] } };
    const copy: KObj = {
      metadata: { name: 'podinfo-podinfo-canary', namespace: 'test' },
      spec: {
        http: [
          rule(
            [
              { serviceName: 'podinfo-primary', servicePort: 80, weight: 70 },
              { serviceName: 'podinfo-canary', servicePort: 80, weight: 30 },
            ],
            10000,
          ),
        ],
      },
    };
    const routes = routesOf(apisix, { apisixroutes: [user, copy] });
    expect(routes.map((r) => r.key)).to.deep.equal(['ApisixRoute/test/podinfo-podinfo-canary/main']);
    expect(weights(routes[0].rules[0])).to.deep.equal({ 'podinfo-primary': 70, 'podinfo-canary': 30 });
    expect(routes[0].rules[0].backends[1].labels?.apisix_route).to.equal('test_podinfo-podinfo-canary_main');
    const [alone] = routesOf(apisix, { apisixroutes: [user] });
    expect(weights(alone.rules[0])).to.deep.equal({ podinfo: 100 });
  });

  it("skipper: the canary Ingress wins with Weight(100) and splits by backend-weights; False() leaves the user's; route ids as Flagger's query matches them", () => {
    const path = (service: string) => ({ pathType: 'Prefix', path: '/', backend: { service: { name: service, port: { number: 80 } } } });
    const ingress = (name: string, services: string[], annotations: Record<string, string> = {}): KObj => ({
      metadata: { name, namespace: 'test', annotations: { 'kubernetes.io/ingress.class': 'skipper', ...annotations } },
      spec: { rules: [{ host: 'app.example.com', http: { paths: services.map(path) } }] },
    });
    const user = ingress('podinfo', ['podinfo']);
    const copy = (predicate: string) =>
      ingress('podinfo-canary', ['podinfo-primary', 'podinfo-canary'], {
        'zalando.org/backend-weights': '{"podinfo-canary":30,"podinfo-primary":70}',
        'zalando.org/skipper-predicate': predicate,
      });
    const [weighted, ...none] = routesOf(skipper, { ingresses: [user, copy('Weight(100)')] });
    expect(none).to.deep.equal([]);
    expect(weighted.name).to.equal('podinfo-canary');
    expect(weights(weighted.rules[0])).to.deep.equal({ 'podinfo-primary': 70, 'podinfo-canary': 30 });
    const id = weighted.rules[0].backends[1].labels?.skipper_route ?? '';
    expect(id).to.equal('kube_test__podinfo_canary__app_example_com_____podinfo_canary');
    const model = {
      name: 'podinfo',
      namespace: 'test',
      target: 'podinfo',
      service: 'podinfo',
      ingress: 'podinfo',
      route: 'podinfo',
      interval: '1m',
      variables: {},
    };
    const pattern = /route=~"([^"]+)"/.exec(renderBuiltinQuery('skipper', 'request-success-rate', model))?.[1] ?? '';
    expect(new RegExp(`^(?:${pattern})$`).test(id), pattern).to.equal(true);
    expect(new RegExp(`^(?:${pattern})$`).test(weighted.rules[0].backends[0].labels?.skipper_route ?? '')).to.equal(false);
    const [disabled] = routesOf(skipper, { ingresses: [user, copy('False() && Host("x")')] });
    expect(disabled.name).to.equal('podinfo');
    expect(weights(disabled.rules[0])).to.deep.equal({ podinfo: 1 });
    expect(routesOf(skipper, { ingresses: [{ ...user, metadata: { name: 'podinfo', namespace: 'test' } }] })).to.deep.equal([]);
  });

  it('canary: direct traffic to <apex>-canary; kubernetes provider also gets apex traffic', () => {
    const c = (name: string, provider?: string): KObj => ({
      metadata: { name, namespace: 'test' },
      spec: { provider, targetRef: { name }, service: { port: 9898 } },
    });
    const rs = canaryRoutes([c('a', 'linkerd'), c('b', 'kubernetes'), c('k', 'kuma'), c('d')], 20, { directRps: 5, defaultProvider: 'istio' });
    expect(rs.map((r) => `${r.key} ${r.rps} ${r.families.join(',')}`)).to.deep.equal([
      'direct/test/a-canary 5 linkerd',
      'direct/test/b-canary 5 ',
      'apex/test/b 20 ',
      'direct/test/k-canary 5 kuma',
      'direct/test/d-canary 5 istio',
    ]);
    expect(rs[3].rules[0].backends[0].labels?.service).to.equal('k-canary_test_svc_9898');
  });
});
