import { expect } from 'chai';
import { SUPPORTED_PROVIDERS } from '../../../../src/api/providers.js';
import { ROUTED_PROVIDERS, routerFor } from '../../../../src/synth/routers/registry.js';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import { EXAMPLES, exampleInput } from '../inputs.js';

describe('synth: router registry', () => {
  it('has a router for every provider the API accepts, and for no other', () => {
    expect([...ROUTED_PROVIDERS].sort()).to.deep.equal([...SUPPORTED_PROVIDERS].sort());
    for (const provider of SUPPORTED_PROVIDERS) expect(routerFor(provider)?.provider).to.equal(provider);
    expect(routerFor('knative')).to.equal(undefined);
  });
});

describe('synth: every routing object, as Flagger writes it', () => {
  for (const name of EXAMPLES) {
    it(`${name}: each routing object carries Flux's opt-out annotations`, () => {
      for (const route of synthesizeCanary(exampleInput(name)).byRole.routes) {
        expect(route.metadata.annotations, `${route.kind} ${route.metadata.name}`).to.include({
          'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
          'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
        });
      }
    });
  }
});
