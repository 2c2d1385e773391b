// Verdicts: thresholds, Flagger's wording for status and events, and the fail-closed cases.
import { expect } from 'chai';
import { judge, checkStatusOf, type VerdictSubject } from '../../../src/analysis/verdict.js';
import { readingOf } from '../../../src/analysis/reading.js';
import type { ManySeries, ManySeriesRule } from '../../../src/analysis/backends/backend.js';
import type { QueryResult } from '../../../src/analysis/prometheus.js';

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
  const prom: ManySeriesRule = { rule: 'last', oneSeries: 'aggregate it with sum()' };
  const read = (result: QueryResult, rule: ManySeriesRule = prom) => readingOf(result, rule);
  const three = (values: number[]): QueryResult => ({ type: 'vector', samples: values.map((value, i) => ({ labels: { pod: 'abc'[i] }, value })) });
  const rule = (r: ManySeries): ManySeriesRule => ({ rule: r, oneSeries: 'aggregate it' });

  it('one sample is its value; empty and NaN are no values', () => {
    expect(read({ type: 'vector', samples: [{ labels: {}, value: 42 }] })).to.deep.equal({ kind: 'value', value: 42 });
    expect(read({ type: 'vector', samples: [] })).to.deep.equal({ kind: 'no-values' });
    expect(read({ type: 'vector', samples: [{ labels: {}, value: NaN }] })).to.deep.equal({ kind: 'no-values' });
    expect(read({ type: 'scalar', value: 7 })).to.deep.equal({ kind: 'value', value: 7 });
    expect(read({ type: 'scalar', value: NaN })).to.deep.equal({ kind: 'no-values' });
  });

  it('several series, rule "last" (Prometheus): the last is used and the reading says which, of how many', () => {
    expect(read(three([1, 2, 3]))).to.deep.equal({
      kind: 'value',
      value: 3,
      series: 'the query returned 3 series; used the last, {pod="c"}, as Flagger does: aggregate it with sum() to judge them all',
    });
    // Flagger reads a NaN last series as no values, whatever the others hold.
    expect(read(three([1, 2, NaN]))).to.deep.include({ kind: 'no-values' });
    expect(read(three([1, 2, NaN])))
      .to.have.property('series')
      .that.includes('{pod="c"}, which has no value');
  });

  it('rule "first": the first series, even one without a value', () => {
    expect(read(three([1, 2, 3]), rule('first'))).to.include({ kind: 'value', value: 1 });
    expect(read(three([NaN, 2, 3]), rule('first'))).to.include({ kind: 'no-values' });
  });

  it('rule "last-with-data" (Graphite): the last series that has a value', () => {
    const r = read(three([1, 2, NaN]), rule('last-with-data'));
    expect(r).to.include({ kind: 'value', value: 2 });
    expect(r).to.have.property('series').that.includes('3 series, 2 with data; used the last with data, {pod="b"}');
    expect(read(three([NaN, NaN, NaN]), rule('last-with-data'))).to.deep.equal({ kind: 'no-values' });
  });

  it('rule "refuse" (Splunk): more than one series with data is an error naming them; one with data is its value', () => {
    const r = read(three([1, NaN, 3]), rule('refuse'));
    expect(r.kind).to.equal('ambiguous');
    expect(r.kind === 'ambiguous' && r.detail).to.match(/2 series with data \(\{pod="a"\} \{pod="c"\}\); Flagger refuses more than one value/);
    expect(judge(successRate, r)).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(read(three([NaN, 5, NaN]), rule('refuse'))).to.deep.equal({ kind: 'value', value: 5 });
  });

  it('rule "refuse-as-no-values" (New Relic): several results are "no values", saying why', () => {
    const r = read(three([1, 2, 3]), rule('refuse-as-no-values'));
    expect(r.kind).to.equal('no-values');
    expect(r).to.have.property('series').that.includes('the query returned 3 results; Flagger reads anything but one result as no values');
  });

  it('a range vector is refused as Flagger refuses it; a string is refused', () => {
    const r = read({ type: 'matrix', seriesCount: 2 });
    expect(r.kind === 'ambiguous' && r.detail)
      .to.include('range vector (2 series)')
      .and.include('Flagger refuses it as well');
    expect(read({ type: 'string', value: 'x' }).kind).to.equal('ambiguous');
  });

  it('an infinite value is a value (it fails a max)', () => {
    const v = judge(duration, read({ type: 'vector', samples: [{ labels: {}, value: Infinity }] }));
    expect(v.result).to.equal('fail');
  });
});

describe('verdicts of a value picked from several series', () => {
  const note = 'the query returned 3 series; used the last, {pod="c"}, as Flagger does: aggregate it with sum() to judge them all';

  it('a pass keeps the note in its message and carries one Warning sentence naming the metric', () => {
    const v = judge(successRate, { kind: 'value', value: 100, series: note });
    expect(v.result).to.equal('pass');
    expect(v.message).to.equal(`success rate 100.00% >= 99% (${note})`);
    expect(v.halt).to.equal(undefined);
    expect(v.seriesWarning).to.equal(`Metric request-success-rate of podinfo.test: ${note}`);
  });

  it("a failure's halt names the series too; no-values keeps Flagger's words and adds the note", () => {
    const fail = judge(successRate, { kind: 'value', value: 50, series: note });
    expect(fail.halt).to.equal(`Halt podinfo.test advancement success rate 50.00% < 99% (${note})`);
    const none = judge(notFound, { kind: 'no-values', series: note });
    expect(none.result).to.equal('nodata');
    expect(none.message).to.match(/^no values found for custom metric 404s percentage .*\(the query returned 3 series/);
  });

  it('a single series carries no note', () => {
    expect(judge(successRate, value(100))).to.not.have.property('seriesWarning');
  });
});
