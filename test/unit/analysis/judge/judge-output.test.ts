// What `sluice check` and `sluice status` print of a judged metric.
import { expect } from 'chai';
import { formatCanaryReport } from '../../../../src/cli/check.js';
import { canaryDetail, judgeTable } from '../../../../src/cli/status.js';
import { resolveCanary } from '../../../../src/api/defaults.js';
import type { Canary, MetricCheckStatus } from '../../../../src/api/types.js';
import type { MetricVerdict } from '../../../../src/analysis/run-checks.js';

const canary: Canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: {
    provider: 'linkerd',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    analysis: {
      interval: '30s',
      threshold: 5,
      maxWeight: 50,
      stepWeight: 5,
      metrics: [{ name: 'request-duration', interval: '2m', thresholdRange: { max: 500 }, sluiceJudge: {} }],
    },
  },
};
const judge = {
  classification: 'high' as const,
  canaryMedian: 261.5,
  primaryMedian: 180.5,
  shift: 81,
  relativeShift: 81 / 180.5,
  pValue: 0.0004,
  canarySamples: 12,
  primarySamples: 12,
  message: 'canary 262ms vs primary 181ms (+45%, p=<0.001)',
};

describe('judged metric output', () => {
  it('sluice check prints the comparison under the threshold', () => {
    const verdict: MetricVerdict = {
      name: 'request-duration',
      result: 'fail',
      value: 262,
      max: 500,
      countsAsFailedCheck: true,
      judge,
      message: 'request-duration canary 262ms vs primary 181ms (+45%, p=<0.001)',
    };
    const lines = formatCanaryReport(resolveCanary(canary), [verdict]);
    expect(lines).to.include('    judge:     high: canary 262ms vs primary 181ms (+45%, p=<0.001), samples canary 12, primary 12');
  });

  it('sluice status shows both medians, the shift, p and the verdict', () => {
    const metrics: MetricCheckStatus[] = [
      { name: 'request-duration', result: 'fail', value: 262, max: 500, checkedAt: '2026-11-28T12:00:00Z', judge },
      { name: 'request-success-rate', result: 'pass', value: 99.9, min: 99, checkedAt: '2026-11-28T12:00:00Z' },
    ];
    expect(judgeTable(metrics)).to.deep.equal([
      '  METRIC             CANARY MEDIAN   PRIMARY MEDIAN   SHIFT        P-VALUE   SAMPLES   VERDICT',
      '  request-duration   261.5           180.5            +81 (+45%)   <0.001    12/12     high',
    ]);
    const detail = canaryDetail({ ...canary, status: { metrics } }, [], Date.parse('2026-11-28T12:01:00Z'));
    expect(detail).to.include('Compared with the primary (sluiceJudge):');
    expect(judgeTable([metrics[1]])).to.deep.equal([]);
  });
});
