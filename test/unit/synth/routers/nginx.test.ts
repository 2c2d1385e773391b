import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import type { JsonObject, KubeObject } from '../../../../src/synth/kube-json.js';
import { inputOf, podinfoCanary } from '../inputs.js';

const ingressRef = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' };
const ingress: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: 'podinfo',
    namespace: 'test',
    labels: { app: 'podinfo', 'kustomize.toolkit.fluxcd.io/name': 'apps' },
    annotations: {
      'nginx.ingress.kubernetes.io/proxy-body-size': '8m',
      'nginx.ingress.kubernetes.io/canary-by-header': 'stale',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'kustomize.toolkit.fluxcd.io/checksum': 'abc',
    },
  },
  spec: {
    ingressClassName: 'nginx',
    tls: [{ hosts: ['app.example.com'], secretName: 'app-tls' }],
    rules: [
      { host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'podinfo', port: { number: 80 } } } }] } },
      { host: 'static.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'static', port: { name: 'http' } } } }] } },
    ],
  },
};

const canaryIngress = (canary = podinfoCanary({ provider: 'nginx', ingressRef, service: { port: 80, targetPort: 9898 } }), canaryWeight = 0) =>
  synthesizeCanary(inputOf(canary, undefined, { referenced: { ingress }, weights: { primary: 100 - canaryWeight, canary: canaryWeight } })).byRole
    .routes[0] as JsonObject;

describe('synth: nginx router', () => {
  it('clones the Ingress as <ingress>-canary, pointing the apex backends at <apex>-canary', () => {
    const copy = canaryIngress();
    expect(copy.metadata.name).to.equal('podinfo-canary');
    expect(copy.metadata.labels).to.deep.equal({ app: 'podinfo' });
    expect(copy.spec.rules[0].http.paths[0].backend.service).to.deep.equal({ name: 'podinfo-canary', port: { number: 80 } });
    expect(copy.spec.rules[1].http.paths[0].backend.service.name).to.equal('static');
    expect(copy.spec.tls).to.deep.equal(ingress.spec && (ingress.spec as JsonObject).tls);
  });

  it("keeps the user's annotations, drops stale canary ones and Flux's, sets Flux's opt-out, canary and canary-weight", () => {
    expect(canaryIngress(undefined, 25).metadata.annotations).to.deep.equal({
      'nginx.ingress.kubernetes.io/proxy-body-size': '8m',
      'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
      'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '25',
    });
  });

  it('A/B: header and cookie annotations once the canary takes the matched traffic, weight 0 before', () => {
    const canary = podinfoCanary({
      provider: 'nginx',
      ingressRef,
      service: { port: 80 },
      analysis: { iterations: 10, match: [{ headers: { 'x-canary': { regex: '.*insider.*' } } }, { headers: { cookie: { exact: 'canary' } } }] },
    });
    expect(canaryIngress(canary, 100).metadata.annotations).to.deep.include({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-by-header': 'x-canary',
      'nginx.ingress.kubernetes.io/canary-by-header-pattern': '.*insider.*',
      'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary',
    });
    expect(canaryIngress(canary, 100).metadata.annotations).not.to.have.property('nginx.ingress.kubernetes.io/canary-weight');
    expect(canaryIngress(canary, 0).metadata.annotations).to.deep.include({ 'nginx.ingress.kubernetes.io/canary-weight': '0' });
  });
});
