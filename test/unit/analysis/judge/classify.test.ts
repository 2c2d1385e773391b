// The judge's classification: significance, direction, tolerance and too few samples.
import { expect } from 'chai';
import { judgeSamples, pText, type JudgeSettings } from '../../../../src/analysis/judge/classify.js';

const latency: JudgeSettings = { direction: 'increase', confidence: 98, tolerance: { absolute: 0 }, minSamples: 10 };
const ms = (v: number) => `${Math.round(v)}ms`;
const primary = [180, 178, 185, 181, 176, 183, 179, 182, 184, 177, 181, 180];
const slower = primary.map((v) => v + 80);
const sameish = [181, 179, 184, 180, 177, 182, 178, 183, 185, 176, 180, 181];

describe('statistical judge', () => {
  it('classifies a clear increase as high, with both medians, the effect and p', () => {
    const j = judgeSamples(slower, primary, latency, ms);
    expect(j.classification).to.equal('high');
    expect(j.canaryMedian).to.equal(260.5);
    expect(j.primaryMedian).to.equal(180.5);
    expect(j.shift).to.equal(80);
    expect(j.pValue).to.be.below(0.001);
    expect(j.reason).to.equal('canary 261ms vs primary 181ms (+44%, p=<0.001)');
  });

  it('passes a canary like the primary', () => {
    const j = judgeSamples(sameish, primary, latency, ms);
    expect(j.classification).to.equal('pass');
    expect(j.pValue).to.be.above(0.5);
    expect(j.reason).to.match(/no significant difference at 98% confidence$/);
  });

  it('passes an improvement when only an increase is bad, and calls a decrease low when it is', () => {
    const faster = primary.map((v) => v - 50);
    expect(judgeSamples(faster, primary, latency, ms)).to.include({ classification: 'pass' });
    expect(judgeSamples(faster, primary, latency, ms).reason).to.match(/lower, which is not a regression$/);
    expect(judgeSamples(faster, primary, { ...latency, direction: 'decrease' }).classification).to.equal('low');
    expect(judgeSamples(faster, primary, { ...latency, direction: 'either' }).classification).to.equal('low');
    expect(judgeSamples(slower, primary, { ...latency, direction: 'either' }).classification).to.equal('high');
  });

  it('tolerates a significant shift up to the ratio or amount allowed', () => {
    expect(judgeSamples(slower, primary, { ...latency, tolerance: { ratio: 0.5 } }, ms).reason).to.match(/within the tolerated 50%$/);
    expect(judgeSamples(slower, primary, { ...latency, tolerance: { ratio: 0.4 } }).classification).to.equal('high');
    expect(judgeSamples(slower, primary, { ...latency, tolerance: { absolute: 80 } }).classification).to.equal('pass');
    expect(judgeSamples(slower, primary, { ...latency, tolerance: { absolute: 79 } }).classification).to.equal('high');
  });

  it('needs more confidence to fail: the same small samples fail at 95% and pass at 99.9%', () => {
    const c = [10, 11, 12, 13, 14, 15];
    const p = [6, 7, 8, 9, 10.5, 11.5];
    const settings = { ...latency, minSamples: 5 };
    const at95 = judgeSamples(c, p, { ...settings, confidence: 95 });
    expect(at95.pValue).to.be.within(0.001, 0.05);
    expect(at95.classification).to.equal('high');
    expect(judgeSamples(c, p, { ...settings, confidence: 99.9 }).classification).to.equal('pass');
  });

  it('gives no data, never a pass, with fewer samples than minSamples on either side', () => {
    const j = judgeSamples(slower.slice(0, 9), primary, latency);
    expect(j).to.include({ classification: 'nodata', canarySamples: 9, primarySamples: 12 });
    expect(j.reason).to.equal('too few samples to compare: canary 9, primary 12, fewer than minSamples 10');
    expect(judgeSamples(primary, [], latency).classification).to.equal('nodata');
  });

  it('prints the shift as an amount when the primary median is 0', () => {
    const zeros = new Array(12).fill(0);
    const j = judgeSamples(
      zeros.map((_, i) => 1 + i / 10),
      zeros,
      { ...latency, direction: 'either' },
      (v) => v.toFixed(2),
    );
    expect(j.relativeShift).to.equal(undefined);
    expect(j.reason).to.match(/\(\+1\.\d\d, p=/);
  });

  it('prints p with three decimals', () => {
    expect(pText(0.0031)).to.equal('0.003');
    expect(pText(0.00099)).to.equal('<0.001');
    expect(pText(1)).to.equal('1.000');
  });
});
