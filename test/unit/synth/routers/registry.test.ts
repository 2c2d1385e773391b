import { expect } from 'chai';
import { SUPPORTED_PROVIDERS } from '../../../../src/api/providers.js';
import { ROUTED_PROVIDERS, routerFor } from '../../../../src/synth/routers/registry.js';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import { EXAMPLES, exampleInput } from '../inputs.js';

describe('synth: router registry', () => {
  it('has a router for every provider the API accepts, and for no other', () => {
    expect([...ROUTED_PROVIDERS].sort()).to.deep.equal([...SUPPORTED_PROVIDERS].sort());
    for (const provider of SUPPORTED_PROVIDERS) expect(routerFor(provider)?.provider).to.equal(provider);
    expect(routerFor('supergloo')).to.equal(undefined);
  });
});

describe('synth: every routing object, as Flagger writes it', () => {
  // Not knative: its routing object is the user's own Knative Service, which Flux must keep applying.
  for (const name of EXAMPLES.filter((e) => e !== 'knative')) {
    it(`${name}: each routing object carries Flux's opt-out annotations`, () => {
      for (const route of synthesizeCanary(exampleInput(name)).byRole.routes) {
        expect(route.metadata.annotations, `${route.kind} ${route.metadata.name}`).to.include({
          'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
          'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
        });
      }
    });
  }

  it("knative: the routing object is the user's Knative Service, without Flux's opt-out annotations (Flux would stop applying it)", () => {
    const [route] = synthesizeCanary(exampleInput('knative')).byRole.routes;
    expect(route.metadata.annotations).to.deep.equal({ 'flagger.app/primary-revision': 'podinfo-00001' });
  });
});
