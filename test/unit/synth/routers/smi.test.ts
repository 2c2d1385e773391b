import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import { inputOf, podinfoCanary } from '../inputs.js';

describe('synth: smi router (linkerd, osm, smi:*)', () => {
  const split = (provider: string, hosts?: string[]) =>
    synthesizeCanary(
      inputOf(podinfoCanary({ provider, service: { port: 9898, ...(hosts ? { hosts } : {}) } }), undefined, { weights: { primary: 60, canary: 40 } }),
    ).byRole.routes;

  // v1alpha1 weights are quantities, written as Flagger writes them (Go's Quantity is a JSON string);
  // v1alpha2 and v1alpha3 weights are integers.
  for (const [provider, apiVersion, canaryWeight, primaryWeight] of [
    ['linkerd', 'split.smi-spec.io/v1alpha1', '40', '60'],
    ['smi:v1alpha1', 'split.smi-spec.io/v1alpha1', '40', '60'],
    ['osm', 'split.smi-spec.io/v1alpha2', 40, 60],
    ['smi:v1alpha2', 'split.smi-spec.io/v1alpha2', 40, 60],
    ['smi:v1alpha3', 'split.smi-spec.io/v1alpha3', 40, 60],
  ] as const) {
    it(`${provider}: TrafficSplit <apex> ${apiVersion}, canary backend first, weights ${typeof canaryWeight === 'string' ? 'as quantity strings' : 'as integers'}`, () => {
      expect(split(provider)).to.deep.equal([
        {
          apiVersion,
          kind: 'TrafficSplit',
          metadata: {
            name: 'podinfo',
            namespace: 'test',
            annotations: { 'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' },
          },
          spec: {
            service: 'podinfo',
            backends: [
              { service: 'podinfo-canary', weight: canaryWeight },
              { service: 'podinfo-primary', weight: primaryWeight },
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
