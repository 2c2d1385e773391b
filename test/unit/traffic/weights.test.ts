import { expect } from 'chai';
import { FractionGate, parseQuantity, RateAccumulator, shares, WeightedPicker } from '../../traffic/weights.js';

function counts(weights: number[], n: number): number[] {
  const p = new WeightedPicker();
  const c = weights.map(() => 0);
  for (let i = 0; i < n; i++) {
    const k = p.pick(weights);
    if (k >= 0) c[k]++;
  }
  return c;
}

describe('traffic/weights', () => {
  it('splits picks exactly by weight over a full cycle', () => {
    expect(counts([100, 0], 100)).to.deep.equal([100, 0]);
    expect(counts([50, 50], 100)).to.deep.equal([50, 50]);
    expect(counts([90, 10], 100)).to.deep.equal([90, 10]);
    expect(counts([1, 2, 7], 1000)).to.deep.equal([100, 200, 700]);
  });

  it('never picks a zero or negative weight and returns -1 when all are zero', () => {
    expect(counts([0, 100], 37)).to.deep.equal([0, 37]);
    expect(counts([-5, 5], 10)).to.deep.equal([0, 10]);
    expect(new WeightedPicker().pick([0, 0])).to.equal(-1);
    expect(new WeightedPicker().pick([])).to.equal(-1);
  });

  it('follows weights that change between picks', () => {
    const p = new WeightedPicker();
    for (let i = 0; i < 50; i++) p.pick([100, 0]);
    const c = [0, 0];
    for (let i = 0; i < 100; i++) c[p.pick([50, 50])]++;
    expect(c[1]).to.be.within(49, 51);
  });

  it('interleaves picks (smooth) instead of bursts', () => {
    const p = new WeightedPicker();
    const seq = Array.from({ length: 10 }, () => p.pick([50, 50]));
    expect(seq.filter((x) => x === 1).length).to.equal(5);
    for (let i = 1; i < seq.length; i++) expect(seq[i]).to.not.equal(seq[i - 1]);
  });

  it('FractionGate passes exactly the fraction asked for', () => {
    const g = new FractionGate();
    let n = 0;
    for (let i = 0; i < 1000; i++) if (g.next(0.25)) n++;
    expect(n).to.equal(250);
    const z = new FractionGate();
    expect(Array.from({ length: 10 }, () => z.next(0)).some(Boolean)).to.equal(false);
    const one = new FractionGate();
    expect(Array.from({ length: 10 }, () => one.next(1)).every(Boolean)).to.equal(true);
  });

  it('RateAccumulator carries fractional requests between ticks', () => {
    const a = new RateAccumulator();
    let total = 0;
    for (let i = 0; i < 100; i++) total += a.take(5, 0.1); // 5/s for 10 s
    expect(total).to.equal(50);
  });

  it('parses SMI v1alpha1 quantity weights', () => {
    expect(parseQuantity(100)).to.equal(100);
    expect(parseQuantity('100')).to.equal(100);
    expect(parseQuantity('500m')).to.equal(0.5);
    expect(parseQuantity('0')).to.equal(0);
    expect(parseQuantity('junk')).to.equal(0);
    expect(parseQuantity(undefined)).to.equal(0);
    expect(shares([parseQuantity('500m'), parseQuantity('500m')])).to.deep.equal([0.5, 0.5]);
  });
});
