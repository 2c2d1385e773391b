import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import type { KubeObject } from '../../../../src/synth/kube-json.js';
import { inputOf, podinfoCanary, synthErrorOf, FLUX } from '../inputs.js';

const backend = (name: string, path = '/') => ({ pathType: 'Prefix', path, backend: { service: { name, port: { number: 80 } } } });
const userIngress = (predicate?: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: 'podinfo-ingress',
    namespace: 'test',
    labels: { app: 'podinfo' },
    annotations: { 'kubernetes.io/ingress.class': 'skipper', ...(predicate ? { 'zalando.org/skipper-predicate': predicate } : {}) },
  },
  spec: { rules: [{ host: 'app.example.com', http: { paths: [backend('podinfo-service'), backend('docs', '/docs')] } }] },
});
const skipperCanary = podinfoCanary(
  {
    provider: 'skipper',
    ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo-ingress' },
    service: { name: 'podinfo-service', port: 80, targetPort: 9898 },
  },
  { uid: 'u-1' },
);
const routesAt = (primary: number, canary: number, ingress = userIngress()) =>
  synthesizeCanary(inputOf(skipperCanary, undefined, { referenced: { ingress }, weights: { primary, canary } })).byRole.routes;

describe('synth: skipper router', () => {
  it('copies the Ingress as <ingress>-canary: the apex path to the primary, its twin to the canary, weights and Weight(100) while the canary has traffic', () => {
    const [ingress, ...rest] = routesAt(70, 30);
    expect(rest).to.deep.equal([]);
    expect(ingress.kind).to.equal('Ingress');
    expect(ingress.metadata).to.include({ name: 'podinfo-ingress-canary', namespace: 'test' });
    expect(ingress.metadata.labels).to.deep.equal({ app: 'podinfo' });
    expect(ingress.metadata.annotations).to.deep.equal({
      'kubernetes.io/ingress.class': 'skipper',
      ...FLUX,
      'zalando.org/backend-weights': '{"podinfo-service-canary":30,"podinfo-service-primary":70}',
      'zalando.org/skipper-predicate': 'Weight(100)',
    });
    expect(ingress.metadata.ownerReferences?.[0]).to.include({ kind: 'Canary', name: 'podinfo', uid: 'u-1' });
    expect((ingress.spec as any).rules[0].http.paths).to.deep.equal([
      backend('podinfo-service-primary'),
      backend('docs', '/docs'),
      backend('podinfo-service-canary'),
    ]);
  });

  it("disables the canary Ingress with False() first at weight 0, keeping the user's own predicates", () => {
    const [ingress] = routesAt(100, 0, userIngress('Weight(100) && Method("GET")'));
    expect(ingress.metadata.annotations).to.include({
      'zalando.org/backend-weights': '{"podinfo-service-canary":0,"podinfo-service-primary":100}',
      'zalando.org/skipper-predicate': 'False() && Method("GET")',
    });
    const [live] = routesAt(50, 50, userIngress('False() && Method("GET")'));
    expect(live.metadata.annotations?.['zalando.org/skipper-predicate']).to.equal('Weight(100) && Method("GET")');
  });

  it('refuses an Ingress without a backend for the apex Service, or a missing one, naming spec.ingressRef', () => {
    const other = { ...userIngress(), spec: { rules: [{ http: { paths: [backend('web')] } }] } };
    expect(synthErrorOf(inputOf(skipperCanary, undefined, { referenced: { ingress: other } })).message).to.equal(
      '[podinfo.test/Routes/skipper] spec.ingressRef: Ingress podinfo-ingress has no backend for Service podinfo-service',
    );
    expect(synthErrorOf(inputOf(skipperCanary)).message).to.equal('[podinfo.test/Routes/skipper] spec.ingressRef: Ingress test/podinfo-ingress was not given');
  });
});
