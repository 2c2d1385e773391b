import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import { inputOf, podinfoCanary } from '../inputs.js';

describe('synth: smi router (linkerd, osm, smi:*)', () => {
  const split = (provider: string, hosts?: string[]) =>
    synthesizeCanary(inputOf(podinfoCanary({ provider, service: { port: 9898, ...(hosts ? { hosts } : {}) } }), undefined, { weights: { primary: 60, canary: 40 } })).byRole.routes;

  for (const [provider, apiVersion] of [
    ['linkerd', 'split.smi-spec.io/v1alpha1'],
    ['smi:v1alpha1', 'split.smi-spec.io/v1alpha1'],
    ['osm', 'split.smi-spec.io/v1alpha2'],
    ['smi:v1alpha2', 'split.smi-spec.io/v1alpha2'],
    ['smi:v1alpha3', 'split.smi-spec.io/v1alpha3'],
  ]) {
    it(`${provider}: TrafficSplit <apex> ${apiVersion}, canary backend first`, () => {
      expect(split(provider)).to.deep.equal([
        {
          apiVersion,
          kind: 'TrafficSplit',
          metadata: { name: 'podinfo', namespace: 'test', annotations: { 'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } },
          spec: {
            service: 'podinfo',
            backends: [
              { service: 'podinfo-canary', weight: 40 },
              { service: 'podinfo-primary', weight: 60 },
            ],
          },
        },
      ]);
    });
  }

  it('splits the first of service.hosts when set', () => {
    expect((split('osm', ['podinfo.test.svc.cluster.local'])[0].spec as any).service).to.equal('podinfo.test.svc.cluster.local');
  });
});
