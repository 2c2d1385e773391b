import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import { validateCanary } from '../../../../src/api/validate.js';
import { inputOf, podinfoCanary, FLUX } from '../inputs.js';

const routeAt = (primary: number, canary: number, spec: Record<string, unknown> = {}) =>
  synthesizeCanary(inputOf(podinfoCanary({ provider: 'traefik', ...spec }, { uid: 'u-1' }), undefined, { weights: { primary, canary } })).byRole.routes;

describe('synth: traefik router', () => {
  it('makes a TraefikService <apex> with the apex metadata, owned by the Canary, weighted services primary then canary', () => {
    const [route, ...rest] = routeAt(60, 40, { service: { port: 9898, apex: { labels: { test: 'l' }, annotations: { test: 'a' } } } });
    expect(rest).to.deep.equal([]);
    expect(route.apiVersion).to.equal('traefik.io/v1alpha1');
    expect(route.kind).to.equal('TraefikService');
    expect(route.metadata).to.include({ name: 'podinfo', namespace: 'test' });
    expect(route.metadata.labels).to.deep.equal({ test: 'l' });
    expect(route.metadata.annotations).to.deep.equal({ test: 'a', ...FLUX });
    expect(route.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo', uid: 'u-1' });
    expect(route.spec).to.deep.equal({
      weighted: {
        services: [
          { name: 'podinfo-primary', namespace: 'test', port: 9898, weight: 60 },
          { name: 'podinfo-canary', namespace: 'test', port: 9898, weight: 40 },
        ],
      },
    });
  });

  it('lists the canary only while it has a weight, as Flagger does', () => {
    const [route] = routeAt(100, 0);
    expect((route.spec as any).weighted.services).to.deep.equal([{ name: 'podinfo-primary', namespace: 'test', port: 9898, weight: 100 }]);
  });

  it("leaves a weight of 0 out (Flagger's omitempty), so all traffic to the canary keeps the primary listed without weight", () => {
    const [route] = routeAt(0, 100);
    expect((route.spec as any).weighted.services).to.deep.equal([
      { name: 'podinfo-primary', namespace: 'test', port: 9898 },
      { name: 'podinfo-canary', namespace: 'test', port: 9898, weight: 100 },
    ]);
  });

  it('refuses A/B matches and mirroring, which Traefik cannot do for Flagger', () => {
    const ab = podinfoCanary({ provider: 'traefik', analysis: { interval: '1m', iterations: 5, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] } });
    expect(validateCanary(ab).map((p) => p.message)).to.include('provider traefik cannot route by header or cookie (A/B testing)');
    const mirror = podinfoCanary({ provider: 'traefik', analysis: { interval: '1m', stepWeight: 10, mirror: true } });
    expect(validateCanary(mirror).map((p) => p.message)).to.include('provider traefik cannot mirror traffic');
  });
});
