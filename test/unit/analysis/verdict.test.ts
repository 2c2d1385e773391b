// Verdicts: thresholds, Flagger's wording for status and events, and the fail-closed cases.
import { expect } from 'chai';
import { judge, checkStatusOf, type VerdictSubject } from '../../../src/analysis/verdict.js';
import { readingOf } from '../../../src/analysis/reading.js';

const subject = (over: Partial<VerdictSubject>): VerdictSubject => ({
  canaryName: 'podinfo',
  namespace: 'test',
  targetName: 'podinfo',
  provider: 'istio',
  metricName: 'request-success-rate',
  kind: 'request-success-rate',
  ...over,
});
const successRate = subject({ min: 99 });
const duration = subject({ metricName: 'request-duration', kind: 'request-duration', max: 500 });
const notFound = subject({ metricName: '404s percentage', kind: 'custom', max: 3 });
const value = (v: number) => ({ kind: 'value' as const, value: v });

describe('verdicts', () => {
  it('success rate 100% passes a min of 99', () => {
    const v = judge(successRate, value(100));
    expect(v).to.include({ result: 'pass', value: 100, min: 99, countsAsFailedCheck: false });
    expect(v.message).to.equal('success rate 100.00% >= 99%');
    expect(v.halt).to.equal(undefined);
  });

  it("success rate 69.17% fails a min of 99 with Flagger's sentence", () => {
    const v = judge(successRate, value(69.1666));
    expect(v).to.include({ result: 'fail', min: 99, countsAsFailedCheck: true });
    expect(v.message).to.equal('success rate 69.17% < 99%');
    expect(v.halt).to.equal('Halt podinfo.test advancement success rate 69.17% < 99%');
  });

  it('exactly at the bound passes (Flagger compares strictly)', () => {
    expect(judge(successRate, value(99)).result).to.equal('pass');
    expect(judge(duration, value(500)).result).to.equal('pass');
  });

  it('a success rate above a max fails with ">"', () => {
    expect(judge(subject({ max: 50 }), value(60)).message).to.equal('success rate 60.00% > 50%');
  });

  it('request duration prints as Go prints a time.Duration, value floored to whole ms', () => {
    const v = judge(duration, value(1200.9));
    expect(v).to.include({ result: 'fail', value: 1200, max: 500 });
    expect(v.message).to.equal('request duration 1.2s > 500ms');
    expect(v.halt).to.equal('Halt podinfo.test advancement request duration 1.2s > 500ms');
    expect(judge(duration, value(500.9)).result).to.equal('pass');
    expect(judge({ ...duration, max: undefined, min: 100 }, value(42)).message).to.equal('request duration 42ms < 100ms');
  });

  it('a custom metric prints %.2f and the threshold as written', () => {
    const v = judge(notFound, value(6.2));
    expect(v.message).to.equal('404s percentage 6.20 > 3');
    expect(v.halt).to.equal('Halt podinfo.test advancement 404s percentage 6.20 > 3');
    expect(judge(notFound, value(2.5)).result).to.equal('pass');
  });

  it('a range checks both ends', () => {
    const range = subject({ metricName: 'cpu', kind: 'custom', min: 1, max: 5 });
    expect(judge(range, value(0.5)).message).to.equal('cpu 0.50 < 1');
    expect(judge(range, value(7)).message).to.equal('cpu 7.00 > 5');
    expect(judge(range, value(3)).message).to.equal('cpu 3.00 within [1, 5]');
  });

  it('no values halts with the no-traffic reason and counts as a failed check', () => {
    const v = judge(successRate, { kind: 'no-values' });
    expect(v).to.include({ result: 'nodata', countsAsFailedCheck: true });
    expect(v.message).to.equal('no values found for istio metric request-success-rate probably podinfo.test is not receiving traffic');
    expect(v.halt).to.equal(
      'Halt advancement no values found for istio metric request-success-rate probably podinfo.test is not receiving traffic: no values found',
    );
    expect(judge(notFound, { kind: 'no-values' }).halt).to.equal('Halt advancement no values found for custom metric: 404s percentage: no values found');
  });

  it('too few requests halts without counting a failed check', () => {
    const v = judge(successRate, { kind: 'too-few-requests', requests: 3, minimum: 50, interval: '1m' });
    expect(v).to.include({ result: 'nodata', countsAsFailedCheck: false });
    expect(v.message).to.match(/only 3 requests reached podinfo\.test in the last 1m, fewer than minRequestCount 50/);
    expect(v.halt).to.match(/^Halt podinfo\.test advancement only 3 requests/);
  });

  it("errors count as failed checks, with Flagger's event wording", () => {
    const q = judge(successRate, { kind: 'error', stage: 'query', message: 'Prometheus at http://x is unreachable' });
    expect(q).to.include({ result: 'error', countsAsFailedCheck: true, message: 'Prometheus at http://x is unreachable' });
    expect(q.halt).to.equal('Prometheus query failed: Prometheus at http://x is unreachable');
    expect(judge(notFound, { kind: 'error', stage: 'query', message: 'boom' }).halt).to.equal('Metric query failed for 404s percentage: boom');
    expect(judge(notFound, { kind: 'error', stage: 'template', message: 'not found' }).halt).to.equal('Metric template error for 404s percentage: not found');
  });
});

describe('status of a verdict', () => {
  it('keeps value, bounds and message for status.metrics (an infinite value is left out: JSON has none)', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    expect(checkStatusOf(judge(successRate, value(69.17)), at)).to.deep.equal({
      name: 'request-success-rate',
      result: 'fail',
      value: 69.17,
      min: 99,
      message: 'success rate 69.17% < 99%',
      checkedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(checkStatusOf(judge(duration, value(Infinity)), at)).to.not.have.property('value');
  });
});

describe('readings', () => {
  it('one sample is its value; empty and NaN are no values', () => {
    expect(readingOf({ type: 'vector', samples: [{ labels: {}, value: 42 }] })).to.deep.equal({ kind: 'value', value: 42 });
    expect(readingOf({ type: 'vector', samples: [] })).to.deep.equal({ kind: 'no-values' });
    expect(readingOf({ type: 'vector', samples: [{ labels: {}, value: NaN }] })).to.deep.equal({ kind: 'no-values' });
    expect(readingOf({ type: 'scalar', value: 7 })).to.deep.equal({ kind: 'value', value: 7 });
    expect(readingOf({ type: 'scalar', value: NaN })).to.deep.equal({ kind: 'no-values' });
  });

  it('several series are an explicit error naming them, not a silent pick', () => {
    const r = readingOf({
      type: 'vector',
      samples: [
        { labels: { pod: 'a' }, value: 1 },
        { labels: { pod: 'b' }, value: 2 },
      ],
    });
    expect(r.kind).to.equal('ambiguous');
    expect(r.kind === 'ambiguous' && r.detail).to.match(/2 series \(\{pod="a"\} \{pod="b"\}\), expected one/);
    const v = judge(successRate, r);
    expect(v).to.include({ result: 'error', countsAsFailedCheck: true });
  });

  it('a range vector or string is refused', () => {
    expect(readingOf({ type: 'matrix', seriesCount: 1 }).kind).to.equal('ambiguous');
    expect(readingOf({ type: 'string', value: 'x' }).kind).to.equal('ambiguous');
  });

  it('an infinite value is a value (it fails a max)', () => {
    const v = judge(duration, readingOf({ type: 'vector', samples: [{ labels: {}, value: Infinity }] }));
    expect(v.result).to.equal('fail');
  });
});
