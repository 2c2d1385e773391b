import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import type { JsonObject } from '../../../../src/synth/kube-json.js';
import { inputOf, podinfoCanary } from '../inputs.js';

/** A service of the route; Flagger omits a weight of 0. */
const service = (name: string, weight: number) => ({
  name,
  port: 80,
  ...(weight ? { weight } : {}),
  requestHeadersPolicy: { set: [{ name: 'l5d-dst-override', value: `${name}.test.svc.cluster.local:80` }] },
});

describe('synth: contour router', () => {
  it('makes the HTTPProxy <apex> with one weighted route, timeout and retry policies', () => {
    const canary = podinfoCanary({
      provider: 'contour',
      service: { port: 80, timeout: '15s', retries: { attempts: 3, perTryTimeout: '5s' }, match: [{ uri: { prefix: '/api' } }] },
    });
    const [proxy] = synthesizeCanary(inputOf(canary, undefined, { weights: { primary: 85, canary: 15 } })).byRole.routes as JsonObject[];
    expect(proxy.spec).to.deep.equal({
      routes: [
        {
          conditions: [{ prefix: '/api' }],
          services: [service('podinfo-primary', 85), service('podinfo-canary', 15)],
          timeoutPolicy: { response: '15s', idle: '5m' },
          retryPolicy: { count: 3, perTryTimeout: '5s' },
        },
      ],
    });
  });

  it('A/B: a header-conditions route first, then a primary route', () => {
    const canary = podinfoCanary({
      provider: 'contour',
      service: { port: 80 },
      analysis: { iterations: 5, match: [{ headers: { 'x-canary': { exact: 'insider' }, 'user-agent': { prefix: 'Mozilla' } } }] },
    });
    const [proxy] = synthesizeCanary(inputOf(canary, undefined, { weights: { primary: 0, canary: 100 } })).byRole.routes as JsonObject[];
    expect(proxy.spec.routes).to.deep.equal([
      {
        conditions: [{ prefix: '/' }, { header: { name: 'x-canary', exact: 'insider' } }, { header: { name: 'user-agent', contains: 'Mozilla' } }],
        services: [service('podinfo-primary', 0), service('podinfo-canary', 100)],
      },
      { conditions: [{ prefix: '/' }], services: [service('podinfo-primary', 100), service('podinfo-canary', 0)] },
    ]);
  });

  it("with the operator's -ingress-class, the HTTPProxy carries spec.ingressClassName (Contour 1.18+); without one, none", () => {
    const canary = podinfoCanary({ provider: 'contour', service: { port: 80 } });
    const [classed] = synthesizeCanary({ ...inputOf(canary), ingressClass: 'contour-internal' }).byRole.routes as JsonObject[];
    expect(classed.spec.ingressClassName).to.equal('contour-internal');
    const [plain] = synthesizeCanary(inputOf(canary)).byRole.routes as JsonObject[];
    expect(plain.spec).not.to.have.property('ingressClassName');
  });

  it('no other router reads the ingress class (Flagger gives it to Contour alone)', () => {
    for (const provider of ['istio', 'nginx', 'gloo', 'gatewayapi:v1']) {
      const canary = podinfoCanary({
        provider,
        service: { port: 80, ...(provider.startsWith('gatewayapi') ? { gatewayRefs: [{ name: 'gw' }] } : {}) },
        ...(provider === 'nginx' ? { ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' } } : {}),
      });
      const ingress = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'podinfo', namespace: 'test' },
        spec: {
          rules: [
            { host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'podinfo', port: { number: 80 } } } }] } },
          ],
        },
      };
      const input = { ...inputOf(canary), ingressClass: 'contour', ...(provider === 'nginx' ? { referenced: { ingress } } : {}) };
      const without = { ...input, ingressClass: undefined };
      expect(synthesizeCanary(input).byRole.routes, provider).to.deep.equal(synthesizeCanary(without).byRole.routes);
    }
  });
});
