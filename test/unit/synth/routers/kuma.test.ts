import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import { inputOf, podinfoCanary } from '../inputs.js';

describe('synth: kuma router', () => {
  it("makes a cluster-scoped TrafficRoute <apex> in the Canary's kuma.io/mesh, without owner reference", () => {
    const canary = podinfoCanary({ provider: 'kuma' }, { uid: 'u-1', annotations: { 'kuma.io/mesh': 'payments' } });
    const [route] = synthesizeCanary(inputOf(canary, undefined, { weights: { primary: 95, canary: 5 } })).byRole.routes;
    expect(route).to.deep.equal({
      apiVersion: 'kuma.io/v1alpha1',
      kind: 'TrafficRoute',
      metadata: {
        name: 'podinfo',
        labels: { app: 'podinfo' },
        annotations: { 'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' },
      },
      mesh: 'payments',
      spec: {
        sources: [{ match: { 'kuma.io/service': '*' } }],
        destinations: [{ match: { 'kuma.io/service': 'podinfo_test_svc_9898' } }],
        conf: {
          split: [
            { weight: 95, destination: { 'kuma.io/service': 'podinfo-primary_test_svc_9898' } },
            { weight: 5, destination: { 'kuma.io/service': 'podinfo-canary_test_svc_9898' } },
          ],
        },
      },
    });
  });

  it('uses the default mesh without the annotation', () => {
    const [route] = synthesizeCanary(inputOf(podinfoCanary({ provider: 'kuma' }))).byRole.routes;
    expect(route.mesh).to.equal('default');
  });
});
