import { expect } from 'chai';
import { SUPPORTED_PROVIDERS } from '../../../../src/api/providers.js';
import { ROUTED_PROVIDERS, routerFor } from '../../../../src/synth/routers/registry.js';

describe('synth: router registry', () => {
  it('has a router for every provider the API accepts, and for no other', () => {
    expect([...ROUTED_PROVIDERS].sort()).to.deep.equal([...SUPPORTED_PROVIDERS].sort());
    for (const provider of SUPPORTED_PROVIDERS) expect(routerFor(provider)?.provider).to.equal(provider);
    expect(routerFor('traefik')).to.equal(undefined);
  });
});
