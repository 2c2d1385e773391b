import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import type { KubeObject } from '../../../../src/synth/kube-json.js';
import { inputOf, podinfoCanary, synthErrorOf, FLUX } from '../inputs.js';

const userRoute = (http: unknown[]): KubeObject => ({
  apiVersion: 'apisix.apache.org/v2',
  kind: 'ApisixRoute',
  metadata: { name: 'podinfo', namespace: 'test', labels: { team: 'web' }, annotations: { note: 'kept' } },
  spec: { ingressClassName: 'apisix', http },
});
const mainRule = {
  name: 'method',
  match: { hosts: ['app.example.com'], methods: ['GET'], paths: ['/*'] },
  plugins: [{ name: 'proxy-rewrite', enable: true }],
  backends: [{ serviceName: 'podinfo', servicePort: 80, resolveGranularity: 'service' }],
};
const apisixCanary = podinfoCanary(
  { provider: 'apisix', routeRef: { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', name: 'podinfo' }, service: { port: 80, targetPort: 9898 } },
  { uid: 'u-1' },
);
const routesAt = (primary: number, canary: number, route = userRoute([{ name: 'other', backends: [{ serviceName: 'web', servicePort: 80 }] }, mainRule])) =>
  synthesizeCanary(inputOf(apisixCanary, undefined, { referenced: { route }, weights: { primary, canary } })).byRole.routes;

describe('synth: apisix router', () => {
  it('copies the rule of the apex backend into <route>-<apex>-canary at priority 10000, primary and canary weighted', () => {
    const [route, ...rest] = routesAt(70, 30);
    expect(rest).to.deep.equal([]);
    expect(route.apiVersion).to.equal('apisix.apache.org/v2');
    expect(route.kind).to.equal('ApisixRoute');
    expect(route.metadata).to.include({ name: 'podinfo-podinfo-canary', namespace: 'test' });
    expect(route.metadata.labels).to.deep.equal({ team: 'web' });
    expect(route.metadata.annotations).to.deep.equal({ note: 'kept', ...FLUX });
    expect(route.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo', uid: 'u-1' });
    expect(route.spec).to.deep.equal({
      ingressClassName: 'apisix',
      http: [
        {
          ...mainRule,
          priority: 10000,
          backends: [
            { serviceName: 'podinfo-primary', servicePort: 80, resolveGranularity: 'service', weight: 70 },
            { serviceName: 'podinfo-canary', servicePort: 80, resolveGranularity: 'service', weight: 30 },
          ],
        },
      ],
    });
  });

  it('writes a weight of 0 (Flagger keeps both backends at every step)', () => {
    const [route] = routesAt(100, 0);
    expect((route.spec as any).http[0].backends.map((b: any) => [b.serviceName, b.weight])).to.deep.equal([
      ['podinfo-primary', 100],
      ['podinfo-canary', 0],
    ]);
  });

  it('refuses a route without a rule for the apex, or whose rule has more than one backend, naming spec.routeRef', () => {
    const none = synthErrorOf(inputOf(apisixCanary, undefined, { referenced: { route: userRoute([{ name: 'other', backends: [{ serviceName: 'web' }] }]) } }));
    expect(none.message).to.equal('[podinfo.test/Routes/apisix] spec.routeRef: ApisixRoute podinfo has no backend for Service podinfo');
    const two = synthErrorOf(
      inputOf(apisixCanary, undefined, { referenced: { route: userRoute([{ name: 'r', backends: [{ serviceName: 'podinfo' }, { serviceName: 'web' }] }]) } }),
    );
    expect(two.field).to.equal('spec.routeRef');
    expect(synthErrorOf(inputOf(apisixCanary)).message).to.equal('[podinfo.test/Routes/apisix] spec.routeRef: ApisixRoute test/podinfo was not given');
  });
});
