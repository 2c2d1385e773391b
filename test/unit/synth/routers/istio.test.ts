import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import type { JsonObject } from '../../../../src/synth/kube-json.js';
import { inputOf, ofKind, podinfoCanary } from '../inputs.js';
import { validateCanary } from '../../../../src/api/validate.js';

const routesOf = (...args: Parameters<typeof inputOf>) => synthesizeCanary(inputOf(...args)).byRole.routes as JsonObject[];
const vsOf = (...args: Parameters<typeof inputOf>) => ofKind(routesOf(...args), 'VirtualService')[0];

describe('synth: istio router', () => {
  it('makes DestinationRules <apex>-canary and <apex>-primary with the trafficPolicy, then the VirtualService', () => {
    const routes = routesOf(podinfoCanary({ service: { port: 9898, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } } }));
    expect(routes.map((r) => `${r.apiVersion} ${r.kind} ${r.metadata.name}`)).to.deep.equal([
      'networking.istio.io/v1beta1 DestinationRule podinfo-canary',
      'networking.istio.io/v1beta1 DestinationRule podinfo-primary',
      'networking.istio.io/v1beta1 VirtualService podinfo',
    ]);
    expect(routes[1].spec).to.deep.equal({ host: 'podinfo-primary', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
  });

  it('routes the mesh gateway and the apex host by default, at the given weights', () => {
    const vs = vsOf(podinfoCanary(), undefined, { weights: { primary: 70, canary: 30 } });
    expect(vs.spec).to.deep.equal({
      hosts: ['podinfo'],
      gateways: ['mesh'],
      http: [
        {
          route: [
            { destination: { host: 'podinfo-primary' }, weight: 70 },
            { destination: { host: 'podinfo-canary' }, weight: 30 },
          ],
        },
      ],
    });
  });

  it('copies match, rewrite, timeout, retries, headers and corsPolicy onto the route', () => {
    const service = {
      port: 9898,
      hosts: ['app.example.com'],
      gateways: ['public-gateway.istio-system.svc.cluster.local', 'mesh'],
      match: [{ uri: { prefix: '/api' } }],
      rewrite: { uri: '/' },
      timeout: '5s',
      retries: { attempts: 3, perTryTimeout: '1s', retryOn: 'gateway-error' },
      headers: { request: { add: { 'x-envoy-upstream-rq-timeout-ms': '15000' } } },
      corsPolicy: { allowOrigins: [{ exact: 'https://example.com' }], maxAge: '24h' },
      portDiscovery: true,
    };
    const vs = vsOf(podinfoCanary({ service }));
    expect(vs.spec.hosts).to.deep.equal(['app.example.com', 'podinfo']);
    expect(vs.spec.gateways).to.deep.equal(service.gateways);
    expect(vs.spec.http[0]).to.deep.include({
      match: [{ uri: { prefix: '/api' } }],
      rewrite: { uri: '/' },
      timeout: '5s',
      retries: service.retries,
      headers: service.headers,
      corsPolicy: service.corsPolicy,
    });
    // With portDiscovery the Services have several ports: destinations name theirs.
    expect(vs.spec.http[0].route[0].destination).to.deep.equal({ host: 'podinfo-primary', port: { number: 9898 } });
  });

  it('A/B: the analysis headers on each service match go to a weighted route, the rest to the primary', () => {
    const canary = podinfoCanary({
      service: { port: 9898, match: [{ uri: { prefix: '/api' } }] },
      analysis: {
        interval: '1m',
        iterations: 10,
        match: [{ headers: { 'x-canary': { exact: 'insider' } } }, { headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } }],
      },
    });
    const vs = vsOf(canary, undefined, { weights: { primary: 0, canary: 100 } });
    expect(vs.spec.http).to.deep.equal([
      {
        match: [
          { uri: { prefix: '/api' }, headers: { 'x-canary': { exact: 'insider' } } },
          { uri: { prefix: '/api' }, headers: { cookie: { regex: '^(.*?;)?(canary=always)(;.*)?$' } } },
        ],
        route: [
          { destination: { host: 'podinfo-primary' }, weight: 0 },
          { destination: { host: 'podinfo-canary' }, weight: 100 },
        ],
      },
      { match: [{ uri: { prefix: '/api' } }], route: [{ destination: { host: 'podinfo-primary' }, weight: 100 }] },
    ]);
  });

  it('mirrors the weighted route to the canary, with mirrorWeight as mirrorPercentage', () => {
    const canary = podinfoCanary({ analysis: { interval: '1m', stepWeight: 10, mirror: true, mirrorWeight: 20 } });
    const vs = vsOf(canary, undefined, { weights: { primary: 100, canary: 0, mirror: true } });
    expect(vs.spec.http[0]).to.deep.include({ mirror: { host: 'podinfo-canary' }, mirrorPercentage: { value: 20 } });
  });

  it('delegation: no hosts and no gateways', () => {
    const vs = vsOf(podinfoCanary({ service: { port: 9898, delegation: true } }));
    expect(vs.spec).not.to.have.any.keys('hosts', 'gateways');
  });

  it('appProtocol tcp: a tcp route on the service port instead of http', () => {
    const vs = vsOf(podinfoCanary({ service: { port: 5432, appProtocol: 'tcp' } }), undefined, { weights: { primary: 90, canary: 10 } });
    expect(vs.spec.tcp).to.deep.equal([
      {
        match: [{ port: 5432 }],
        route: [
          { destination: { host: 'podinfo-primary', port: { number: 5432 } }, weight: 90 },
          { destination: { host: 'podinfo-canary', port: { number: 5432 } }, weight: 10 },
        ],
      },
    ]);
    expect(vs.spec).not.to.have.property('http');
  });

  it('puts the apex metadata on the VirtualService', () => {
    const vs = vsOf(podinfoCanary({ service: { port: 9898, apex: { labels: { a: 'b' }, annotations: { c: 'd' } } } }));
    expect(vs.metadata).to.deep.equal({
      name: 'podinfo',
      namespace: 'test',
      labels: { a: 'b' },
      annotations: { c: 'd', 'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' },
    });
  });

  it('withoutHeaders and sourceNamespace: accepted in service.match and analysis.match, and carried to the VirtualService', () => {
    const without = { 'x-debug': { exact: '1' } };
    const canary = podinfoCanary({
      service: { port: 9898, match: [{ uri: { prefix: '/api' }, withoutHeaders: without, sourceNamespace: 'frontend' }] },
    });
    const ab = podinfoCanary({
      service: { port: 9898 },
      analysis: {
        interval: '1m',
        iterations: 10,
        match: [{ headers: { 'x-canary': { exact: 'insider' } }, withoutHeaders: without, sourceNamespace: 'frontend' }],
      },
    });
    // Before they were in the schema, both were unknown fields (the apiserver prunes them).
    expect(validateCanary(canary)).to.deep.equal([]);
    expect(validateCanary(ab)).to.deep.equal([]);
    expect(vsOf(canary).spec.http[0].match).to.deep.equal([{ uri: { prefix: '/api' }, withoutHeaders: without, sourceNamespace: 'frontend' }]);
    expect(vsOf(ab, undefined, { weights: { primary: 0, canary: 100 } }).spec.http[0].match).to.deep.equal([
      { headers: { 'x-canary': { exact: 'insider' } }, withoutHeaders: without, sourceNamespace: 'frontend' },
    ]);
  });
});
