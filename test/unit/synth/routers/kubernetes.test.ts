import { expect } from 'chai';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import { SynthError } from '../../../../src/synth/errors.js';
import type { JsonObject } from '../../../../src/synth/kube-json.js';
import { inputOf, podinfoCanary } from '../inputs.js';

describe('synth: kubernetes router (Blue/Green by Service selector)', () => {
  const canary = podinfoCanary({ provider: 'kubernetes', analysis: { interval: '30s', iterations: 10 } });
  const apexSelector = (canaryWeight: number) =>
    (synthesizeCanary(inputOf(canary, undefined, { weights: { primary: 100 - canaryWeight, canary: canaryWeight } })).byRole.services!.apex!.spec as JsonObject)
      .selector;

  it('makes no routing objects', () => {
    expect(synthesizeCanary(inputOf(canary)).byRole.routes).to.deep.equal([]);
  });

  it('points the apex at the primary, and at the canary pods once all traffic goes to the canary', () => {
    expect(apexSelector(0)).to.deep.equal({ app: 'podinfo-primary' });
    expect(apexSelector(100)).to.deep.equal({ app: 'podinfo' });
  });

  it('cannot split traffic', () => {
    expect(() => apexSelector(30)).to.throw(
      SynthError,
      '[podinfo.test/Routes/kubernetes] weights.canary: provider kubernetes switches whole Services (Blue/Green): the canary weight must be 0 or 100, got 30',
    );
  });
});
