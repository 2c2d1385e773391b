// Mann-Whitney U and Hodges-Lehmann against published worked examples, and the exact null
// distribution against a brute-force count of every way to split the ranks.
import { expect } from 'chai';
import { mannWhitney, midRanks, uDistribution, hodgesLehmann } from '../../../../src/analysis/judge/mann-whitney.js';
import { normalUpperTail } from '../../../../src/analysis/judge/normal.js';

// R's ?wilcox.test (Hollander & Wolfe 1973, p. 69): permeability of the membranes at
// 12 to 26 weeks' gestation (x) and at term (y). R prints W = 35, one-sided p-value = 0.1272,
// difference in location 0.305.
const atTerm = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const early = [1.15, 0.88, 0.9, 0.74, 1.21];
// SciPy's mannwhitneyu documentation: ages of male and female staff; U = 17, exact p = 0.1111,
// asymptotic p (with continuity correction) = 0.11134688653314041.
const males = [19, 22, 16, 29, 24];
const females = [20, 11, 17, 12];

describe('Mann-Whitney U', () => {
  it('reproduces R wilcox.test: W = 35, two-sided exact p = 2 x 0.1272, shift 0.305', () => {
    const r = mannWhitney(atTerm, early);
    expect(r.u).to.equal(35);
    expect(r.method).to.equal('exact');
    expect(r.pValue / 2).to.be.closeTo(0.1272, 0.00005);
    expect(r.shift).to.be.closeTo(0.305, 1e-12);
  });

  it('reproduces SciPy: U = 17, exact p = 0.1111 and normal p = 0.11134688653314041', () => {
    const exact = mannWhitney(males, females);
    expect(exact).to.include({ u: 17, method: 'exact' });
    expect(exact.pValue).to.be.closeTo(1 / 9, 1e-12);
    const normal = mannWhitney(males, females, 'normal');
    expect(normal.pValue).to.be.closeTo(0.11134688653314041, 1e-12);
  });

  it('is symmetric: swapping the samples mirrors U and the shift, and keeps p', () => {
    const a = mannWhitney(males, females);
    const b = mannWhitney(females, males);
    expect(b.u).to.equal(males.length * females.length - a.u);
    expect(b.shift).to.equal(-a.shift);
    expect(b.pValue).to.be.closeTo(a.pValue, 1e-12);
  });

  it('corrects the variance for ties (normal approximation, worked by hand)', () => {
    // x = 1 2 2 3, y = 2 3 3 4. Mid-ranks: 1 -> 1, the three 2s -> 3, the three 3s -> 6, 4 -> 8.
    // Rank sum of x 13, U = 13 - 10 = 3. Var = 16/12 (9 - (24 + 24) / (8 x 7)) = 10.857142...
    // z = (|3 - 8| - 0.5) / sqrt(Var) = 1.3656982; two-sided p = erfc(z / sqrt 2) = 0.1720337089.
    const r = mannWhitney([1, 2, 2, 3], [2, 3, 3, 4]);
    expect(r).to.include({ u: 3, method: 'normal' });
    expect(r.pValue).to.be.closeTo(0.17203370892182296, 1e-9);
    expect(midRanks([1, 2, 2, 3, 2, 3, 3, 4])).to.deep.equal({ ranks: [1, 3, 3, 6, 3, 6, 6, 8], tieGroups: [3, 3] });
  });

  it('gives p = 1 when every value is tied, and refuses empty or non-finite samples', () => {
    expect(mannWhitney([5, 5, 5], [5, 5, 5]).pValue).to.equal(1);
    expect(() => mannWhitney([], [1])).to.throw(RangeError);
    expect(() => mannWhitney([NaN], [1])).to.throw(RangeError);
    expect(() => mannWhitney([1, 1], [1, 2], 'exact')).to.throw(/ties/);
  });

  it('falls back to the normal approximation from 50 values on a side', () => {
    const big = Array.from({ length: 50 }, (_, i) => i * 2);
    const small = Array.from({ length: 10 }, (_, i) => i * 2 + 1);
    expect(mannWhitney(big, small).method).to.equal('normal');
    expect(mannWhitney(big.slice(0, 49), small).method).to.equal('exact');
  });

  for (const [n1, n2] of [
    [4, 5],
    [6, 3],
    [1, 7],
    [5, 5],
  ] as const) {
    it(`counts the exact distribution of U for ${n1} and ${n2} values as brute force does`, () => {
      const brute = new Array<number>(n1 * n2 + 1).fill(0);
      let total = 0;
      // Every subset of n1 ranks out of n1 + n2 is equally likely under the null hypothesis.
      for (let mask = 0; mask < 1 << (n1 + n2); mask++) {
        const ranks: number[] = [];
        for (let r = 0; r < n1 + n2; r++) if (mask & (1 << r)) ranks.push(r + 1);
        if (ranks.length !== n1) continue;
        brute[ranks.reduce((s, r) => s + r, 0) - (n1 * (n1 + 1)) / 2]++;
        total++;
      }
      const counted = uDistribution(n1, n2);
      brute.forEach((count, u) => expect(counted[u]).to.be.closeTo(count / total, 1e-12));
    });
  }

  it('estimates the Hodges-Lehmann shift as the median of the pairwise differences', () => {
    expect(hodgesLehmann([10, 20], [1, 2, 3])).to.equal(13); // differences 7 8 9 17 18 19
    expect(hodgesLehmann([5], [5])).to.equal(0);
  });
});

describe('normal upper tail', () => {
  it('matches the tables to double precision', () => {
    expect(normalUpperTail(0)).to.be.closeTo(0.5, 1e-15);
    expect(normalUpperTail(1.959963984540054)).to.be.closeTo(0.025, 1e-14);
    expect(normalUpperTail(2.326347874040841)).to.be.closeTo(0.01, 1e-14);
    expect(normalUpperTail(3)).to.be.closeTo(0.0013498980316301, 1e-15);
    expect(normalUpperTail(-1)).to.be.closeTo(0.8413447460685429, 1e-14);
    expect(normalUpperTail(8) / 6.22096057427178e-16).to.be.closeTo(1, 1e-6);
  });
});
