import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import type { JsonObject, KubeObject } from '../../../../src/synth/kube-json.js';
import { inputOf, podinfoCanary } from '../inputs.js';

const upstreamRef = { apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', name: 'podinfo-upstream', namespace: 'gloo-system' };
const configUpstream: KubeObject = {
  apiVersion: 'gloo.solo.io/v1',
  kind: 'Upstream',
  metadata: { name: 'podinfo-upstream', namespace: 'gloo-system' },
  spec: {
    labels: { team: 'web' },
    sslConfig: { secretRef: { name: 'tls', namespace: 'gloo-system' } },
    circuitBreakers: { maxConnections: 100 },
    useHttp2: true,
    kube: { serviceName: 'ignored', serviceNamespace: 'ignored', servicePort: 1 },
    healthChecks: [{ timeout: '1s' }],
  },
};

describe('synth: gloo router', () => {
  it('makes primary and canary Upstreams, then the RouteTable <apex> splitting between them', () => {
    const routes = synthesizeCanary(inputOf(podinfoCanary({ provider: 'gloo' }), undefined, { weights: { primary: 80, canary: 20 } })).byRole
      .routes as JsonObject[];
    expect(routes.map((r) => `${r.kind} ${r.metadata.name}`)).to.deep.equal([
      'Upstream test-podinfo-primaryupstream-9898',
      'Upstream test-podinfo-canaryupstream-9898',
      'RouteTable podinfo',
    ]);
    expect(routes[1].spec).to.deep.equal({
      kube: { serviceName: 'podinfo-canary', serviceNamespace: 'test', servicePort: 9898, selector: { app: 'podinfo' } },
    });
    expect(routes[2].spec.routes).to.deep.equal([
      {
        routeAction: {
          multi: {
            destinations: [
              { destination: { upstream: { name: 'test-podinfo-primaryupstream-9898', namespace: 'test' } }, weight: 80 },
              { destination: { upstream: { name: 'test-podinfo-canaryupstream-9898', namespace: 'test' } }, weight: 20 },
            ],
          },
        },
      },
    ]);
  });

  it('copies the upstreamRef settings (TLS, circuit breakers, HTTP/2, labels) but not its kube target', () => {
    const canary = podinfoCanary({ provider: 'gloo', upstreamRef });
    const [primary] = synthesizeCanary(inputOf(canary, undefined, { referenced: { upstream: configUpstream } })).byRole.routes as JsonObject[];
    expect(primary.metadata.labels).to.deep.equal({ team: 'web' });
    expect(primary.spec).to.deep.equal({
      sslConfig: { secretRef: { name: 'tls', namespace: 'gloo-system' } },
      circuitBreakers: { maxConnections: 100 },
      useHttp2: true,
      kube: { serviceName: 'podinfo-primary', serviceNamespace: 'test', servicePort: 9898, selector: { app: 'podinfo-primary' } },
    });
  });

  it('A/B: header matchers (exact or regex) on the weighted route, a primary-only route after it', () => {
    const canary = podinfoCanary({
      provider: 'gloo',
      analysis: { iterations: 10, match: [{ headers: { 'x-canary': { exact: 'insider' } } }, { headers: { 'user-agent': { regex: '.*Firefox.*' } } }] },
    });
    const table = synthesizeCanary(inputOf(canary, undefined, { weights: { primary: 0, canary: 100 } })).byRole.routes[2] as JsonObject;
    expect(table.spec.routes[0].matchers).to.deep.equal([
      {
        headers: [
          { name: 'x-canary', value: 'insider' },
          { name: 'user-agent', value: '.*Firefox.*', regex: true },
        ],
      },
    ]);
    // A weight of 0 is omitted, as Flagger writes it.
    expect(table.spec.routes[0].routeAction.multi.destinations.map((d: JsonObject) => d.weight)).to.deep.equal([undefined, 100]);
    expect(table.spec.routes[1]).to.not.have.property('matchers');
    expect(table.spec.routes[1].routeAction.multi.destinations.map((d: JsonObject) => d.weight)).to.deep.equal([100, undefined]);
    expect(table.spec.routes[1].routeAction.multi.destinations[1]).to.not.have.property('weight');
  });
});
