// A judged metric through runMetricChecks with a fake Prometheus that answers range queries:
// which queries run (canary and primary forms, per step, over the interval) and the verdicts.
import { expect } from 'chai';
import { resolveCanary } from '../../../../src/api/defaults.js';
import type { Canary, CanaryMetric, MetricTemplate } from '../../../../src/api/types.js';
import { runMetricChecks, type MetricCheckDeps } from '../../../../src/analysis/run-checks.js';
import type { QueryRange, QueryResult } from '../../../../src/analysis/prometheus.js';
import { checkStatusOf } from '../../../../src/analysis/verdict.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');

function canaryWith(metric: CanaryMetric): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'linkerd',
      metricsServer: 'http://prometheus:9090',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '30s', threshold: 5, maxWeight: 50, stepWeight: 5, metrics: [metric] },
    },
  };
}

interface RangeCall {
  query: string;
  range: QueryRange;
}

/** Instant queries answer `instant`; range queries answer the series of the workload they select. */
function fakeDeps(instant: number, series: { canary: number[] | Error; primary: number[] }, template?: MetricTemplate) {
  const ranges: RangeCall[] = [];
  const matrix = (values: number[]): QueryResult => ({ type: 'matrix', seriesCount: 1, series: [{ labels: {}, values }] });
  const deps: MetricCheckDeps = {
    prometheusFor: () => ({
      async query() {
        return { type: 'vector', samples: [{ labels: {}, value: instant }] };
      },
      async queryRange(query, range) {
        ranges.push({ query, range });
        if (/podinfo-primary/.test(query)) return matrix(series.primary);
        if (series.canary instanceof Error) throw series.canary;
        return matrix(series.canary);
      },
    }),
    getTemplate: async () => {
      if (template) return template;
      throw new Error('no template');
    },
    getSecret: async () => ({}),
    now: () => NOW,
  };
  return { deps, ranges };
}

const primary = [180, 178, 185, 181, 176, 183, 179, 182, 184, 177, 181, 180];
const duration = (judge: CanaryMetric['sluiceJudge'] = {}): CanaryMetric => ({
  name: 'request-duration',
  interval: '2m',
  thresholdRange: { max: 500 },
  sluiceJudge: judge,
});

describe('judged metric checks', () => {
  it('queries canary and primary per 10s step over the 2m interval, with {{ interval }} = the step', async () => {
    const { deps, ranges } = fakeDeps(200, { canary: primary, primary });
    const [v] = await runMetricChecks(resolveCanary(canaryWith(duration())), deps);
    expect(v.result).to.equal('pass');
    expect(ranges).to.have.length(2);
    const [canary, prim] = ranges.sort((a, b) => a.query.length - b.query.length);
    expect(canary.query).to.include('deployment=~"podinfo"').and.include('[10s]');
    expect(prim.query).to.include('deployment=~"podinfo-primary"').and.include('[10s]');
    // 12 steps, the last at now, the first covering the interval's first 10 s.
    expect(canary.range).to.deep.equal({ startMs: NOW - 110_000, endMs: NOW, stepMs: 10_000 });
    expect(v.judge).to.include({ classification: 'pass', canarySamples: 12, primarySamples: 12 });
  });

  it("fails a regression inside the threshold, with an Event in Flagger's style and both medians in the status", async () => {
    const { deps } = fakeDeps(262, { canary: primary.map((x) => x + 81), primary });
    const [v] = await runMetricChecks(resolveCanary(canaryWith(duration())), deps);
    expect(v).to.include({ result: 'fail', countsAsFailedCheck: true });
    expect(v.halt).to.equal('Halt podinfo.test advancement request-duration canary 262ms vs primary 181ms (+45%, p=<0.001)');
    const status = checkStatusOf(v, new Date(NOW));
    expect(status.value).to.equal(262);
    expect(status.judge).to.include({ classification: 'high', canaryMedian: 261.5, primaryMedian: 180.5, shift: 81 });
    expect(status.judge?.pValue).to.be.below(0.001);
  });

  it('reports a failed threshold as Flagger does, keeping the comparison beside it', async () => {
    const { deps } = fakeDeps(620, { canary: primary.map((x) => x + 400), primary });
    const [v] = await runMetricChecks(resolveCanary(canaryWith(duration())), deps);
    expect(v.halt).to.equal('Halt podinfo.test advancement request duration 620ms > 500ms');
    expect(v.judge?.classification).to.equal('high');
  });

  it('too few samples is no data: halts without counting against the canary, never passes', async () => {
    const { deps } = fakeDeps(200, { canary: [NaN, 180, 181, NaN, 182], primary });
    const [v] = await runMetricChecks(resolveCanary(canaryWith(duration())), deps);
    expect(v).to.include({ result: 'nodata', countsAsFailedCheck: false });
    expect(v.message).to.equal('request-duration too few samples to compare: canary 3, primary 12, fewer than minSamples 10');
  });

  it('a failed range query is an error that counts', async () => {
    const { deps } = fakeDeps(200, { canary: new Error('Prometheus at http://prometheus:9090 did not answer within 5000ms'), primary });
    const [v] = await runMetricChecks(resolveCanary(canaryWith(duration())), deps);
    expect(v).to.include({ result: 'error', countsAsFailedCheck: true });
    expect(v.message).to.equal('comparing request-duration with the primary failed: canary: Prometheus at http://prometheus:9090 did not answer within 5000ms');
  });

  it('a judge-only template metric: the template rendered both ways; one that ignores {{ target }} is refused', async () => {
    const template = (query: string): MetricTemplate => ({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: 'errors', namespace: 'test' },
      spec: { provider: { type: 'prometheus' }, query },
    });
    const metric: CanaryMetric = { name: 'error-rate', interval: '2m', templateRef: { name: 'errors' }, sluiceJudge: { direction: 'increase' } };
    const good = fakeDeps(
      0.1,
      { canary: primary.map((x) => x / 100 + 1), primary: primary.map((x) => x / 100) },
      template('sum(rate(errors{deployment="{{ target }}"}[{{ interval }}]))'),
    );
    const [v] = await runMetricChecks(resolveCanary(canaryWith(metric)), good.deps);
    expect(v.result).to.equal('fail');
    expect(good.ranges.map((r) => r.query).sort()).to.deep.equal([
      'sum(rate(errors{deployment="podinfo"}[10s]))',
      'sum(rate(errors{deployment="podinfo-primary"}[10s]))',
    ]);
    const blind = fakeDeps(0.1, { canary: primary, primary }, template('sum(rate(errors[{{ interval }}]))'));
    const [w] = await runMetricChecks(resolveCanary(canaryWith(metric)), blind.deps);
    expect(w).to.include({ result: 'error' });
    expect(w.message).to.match(/same for canary and primary: it must select the workload with \{\{ target \}\}$/);
  });
});
