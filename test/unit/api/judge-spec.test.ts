// A metric's sluiceJudge: refused with the field named when it cannot judge, defaults filled in.
import { expect } from 'chai';
import { validateCanary } from '../../../src/api/validate.js';
import { formatProblem } from '../../../src/api/problem.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary } from '../../../src/api/types.js';
import { smallestPValue } from '../../../src/api/judge-spec.js';

type Doc = Record<string, any>;

function canaryWith(metric: Doc): Doc {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'linkerd',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '30s', threshold: 5, maxWeight: 50, stepWeight: 5, metrics: [metric] },
    },
  };
}

const problems = (metric: Doc) => validateCanary(canaryWith(metric)).map(formatProblem);
const path = 'spec.analysis.metrics[0]';

describe('sluiceJudge validation', () => {
  it('accepts a judged metric without a threshold (judge instead of threshold)', () => {
    expect(problems({ name: 'request-duration', interval: '2m', sluiceJudge: {} })).to.deep.equal([]);
    expect(problems({ name: 'request-duration', interval: '2m' })).to.deep.equal([
      `${path}.thresholdRange: needs min or max (or the deprecated threshold), or sluiceJudge`,
    ]);
  });

  it('says how many samples the interval gives when they are fewer than minSamples', () => {
    expect(problems({ name: 'request-duration', interval: '1m', sluiceJudge: {} })).to.deep.equal([
      `${path}.sluiceJudge.step: the metric's interval 1m0s in steps of 10s gives 6 samples a side, fewer than minSamples 10: lengthen the interval or shorten the step`,
    ]);
    expect(problems({ name: 'request-duration', interval: '1m', sluiceJudge: { step: '5s' } })).to.deep.equal([]);
  });

  it('refuses a confidence, tolerance, step or minSamples it cannot use, naming the field', () => {
    const judged = (sluiceJudge: Doc) => problems({ name: 'request-duration', interval: '5m', thresholdRange: { max: 500 }, sluiceJudge });
    expect(judged({ confidence: 100 })).to.deep.equal([`${path}.sluiceJudge.confidence: must be a percentage from 50 to below 100, got 100`]);
    expect(judged({ confidence: 0.98 })).to.deep.equal([`${path}.sluiceJudge.confidence: must be a percentage from 50 to below 100, got 0.98`]);
    expect(judged({ tolerance: { ratio: 0.1, absolute: 20 } })).to.deep.equal([`${path}.sluiceJudge.tolerance: set ratio or absolute, not both`]);
    expect(judged({ tolerance: { ratio: -0.1 } })).to.deep.equal([`${path}.sluiceJudge.tolerance.ratio: must not be negative, got -0.1`]);
    expect(judged({ step: '500ms' })).to.deep.equal([`${path}.sluiceJudge.step: must be a duration of at least 1s, such as 10s, got "500ms"`]);
    expect(judged({ minSamples: 1 })).to.deep.equal([`${path}.sluiceJudge.minSamples: must be a whole number from 2 to 1000, got 1`]);
    expect(judged({ direction: 'up' }).some((p) => p.startsWith(`${path}.sluiceJudge.direction`))).to.equal(true);
  });

  it('refuses a minSamples too small to ever reach the confidence', () => {
    // 4 a side: the most extreme split has p = 2/70 = 0.029, above 1 - 98%.
    expect(smallestPValue(4)).to.be.closeTo(2 / 70, 1e-12);
    expect(problems({ name: 'request-duration', interval: '5m', sluiceJudge: { minSamples: 4 } })).to.deep.equal([
      `${path}.sluiceJudge.minSamples: with 4 samples a side no difference can reach 98% confidence (the smallest p-value is 0.029): raise it`,
    ]);
    expect(problems({ name: 'request-duration', interval: '5m', sluiceJudge: { minSamples: 4, confidence: 95 } })).to.deep.equal([]);
  });

  it('refuses a judge on an inline query, which cannot be rendered for the primary', () => {
    expect(problems({ name: 'errors', interval: '5m', query: 'sum(rate(x[1m]))', sluiceJudge: {} })).to.deep.equal([
      `${path}.sluiceJudge: an inline query runs as written, so it cannot be rendered for the primary: use a MetricTemplate with {{ target }}`,
    ]);
  });
});

describe('sluiceJudge defaults', () => {
  const resolved = (metric: Doc) => resolveCanary(canaryWith(metric) as Canary).metrics[0].judge;

  it("takes Kayenta's 98% confidence, a 10s step, 10 samples, no tolerance, and the bad direction of a builtin", () => {
    expect(resolved({ name: 'request-duration', interval: '2m', sluiceJudge: {} })).to.deep.equal({
      direction: 'increase',
      confidence: 98,
      tolerance: { absolute: 0 },
      minSamples: 10,
      step: '10s',
      stepMs: 10_000,
    });
    expect(resolved({ name: 'request-success-rate', interval: '2m', sluiceJudge: {} })?.direction).to.equal('decrease');
    expect(resolved({ name: 'latency', templateRef: { name: 't' }, interval: '2m', sluiceJudge: {} })?.direction).to.equal('either');
    expect(resolved({ name: 'request-duration', sluiceJudge: { tolerance: { ratio: 0.1 }, direction: 'either' } })).to.include({ direction: 'either' });
    expect(resolved({ name: 'request-duration', sluiceJudge: { tolerance: { ratio: 0.1 } } })?.tolerance).to.deep.equal({ ratio: 0.1 });
    expect(resolved({ name: 'request-duration', thresholdRange: { max: 500 } })).to.equal(undefined);
  });
});
