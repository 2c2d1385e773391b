import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import type { JsonObject } from '../../../../src/synth/kube-json.js';
import { inputOf, podinfoCanary } from '../inputs.js';

const gatewayRefs = [{ name: 'gateway', namespace: 'istio-ingress' }];
const backend = (name: string, weight: number) => ({ group: '', kind: 'Service', name, port: 9898, weight });

describe('synth: gatewayapi router', () => {
  it('gatewayapi:v1: HTTPRoute <apex> on the gatewayRefs and hosts, PathPrefix / by default', () => {
    const canary = podinfoCanary({ provider: 'gatewayapi:v1', service: { port: 9898, hosts: ['www.example.com'], gatewayRefs, timeout: '30s' } });
    const [route] = synthesizeCanary(inputOf(canary, undefined, { weights: { primary: 90, canary: 10 } })).byRole.routes;
    expect(route).to.deep.equal({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: 'podinfo',
        namespace: 'test',
        annotations: { 'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' },
      },
      spec: {
        parentRefs: gatewayRefs,
        hostnames: ['www.example.com'],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [backend('podinfo-primary', 90), backend('podinfo-canary', 10)],
            timeouts: { request: '30s' },
          },
        ],
      },
    });
  });

  it('gatewayapi:v1beta1 writes the same route as v1beta1', () => {
    const [route] = synthesizeCanary(inputOf(podinfoCanary({ provider: 'gatewayapi:v1beta1', service: { port: 9898, gatewayRefs } }))).byRole.routes;
    expect(route.apiVersion).to.equal('gateway.networking.k8s.io/v1beta1');
  });

  it('A/B: analysis headers merged into each service match on the weighted rule, the primary on a second rule', () => {
    const canary = podinfoCanary({
      provider: 'gatewayapi:v1',
      service: { port: 9898, gatewayRefs, match: [{ uri: { prefix: '/api' } }] },
      analysis: { iterations: 10, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] },
    });
    const route = synthesizeCanary(inputOf(canary, undefined, { weights: { primary: 0, canary: 100 } })).byRole.routes[0] as JsonObject;
    expect(route.spec.rules).to.deep.equal([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ type: 'Exact', name: 'x-canary', value: 'insider' }] }],
        backendRefs: [backend('podinfo-primary', 0), backend('podinfo-canary', 100)],
      },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [backend('podinfo-primary', 100)] },
    ]);
  });

  it('mirroring adds a RequestMirror filter to the canary; header modifiers and rewrite become filters', () => {
    const canary = podinfoCanary({
      provider: 'gatewayapi:v1',
      service: { port: 9898, gatewayRefs, headers: { request: { set: { b: '2', a: '1' }, remove: ['x-debug'] } }, rewrite: { uri: '/v2' } },
      analysis: { iterations: 10, mirror: true, mirrorWeight: 50 },
    });
    const route = synthesizeCanary(inputOf(canary, undefined, { weights: { primary: 100, canary: 0, mirror: true } })).byRole.routes[0] as JsonObject;
    expect(route.spec.rules[0].filters).to.deep.equal([
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: {
          set: [
            { name: 'a', value: '1' },
            { name: 'b', value: '2' },
          ],
          remove: ['x-debug'],
        },
      },
      { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
      { type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'podinfo-canary', port: 9898 }, percent: 50 } },
    ]);
  });
});
