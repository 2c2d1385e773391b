// What the dashboard remembers of the statuses its watch delivered.
import { expect } from 'chai';
import type { Canary } from '../../../src/api/types.js';
import { StatusHistory } from '../../../src/dashboard/history.js';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

const canary = (status: Canary['status'], name = 'podinfo'): Canary => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name, namespace: 'test' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, service: { port: 9898 } },
  status,
});

describe('dashboard status history', () => {
  it('records a weight when it changes and each metric check once, whatever how often the status is seen', () => {
    const h = new StatusHistory();
    const check = { name: 'rate', result: 'pass' as const, value: 99.5, min: 99, checkedAt: iso(0) };
    h.record(canary({ canaryWeight: 10, metrics: [check] }), T0);
    h.record(canary({ canaryWeight: 10, metrics: [check] }), T0 + 1000);
    h.record(canary({ canaryWeight: 20, metrics: [{ ...check, value: 98, result: 'fail', checkedAt: iso(30) }] }), T0 + 30_000);
    const { weights, metrics } = h.of('test', 'podinfo');
    expect(weights).to.deep.equal([
      { at: T0, weight: 10 },
      { at: T0 + 30_000, weight: 20 },
    ]);
    expect(metrics).to.deep.equal([
      { name: 'rate', at: T0, result: 'pass', value: 99.5, min: 99 },
      { name: 'rate', at: T0 + 30_000, result: 'fail', value: 98, min: 99 },
    ]);
    expect(h.of('test', 'other')).to.deep.equal({ weights: [], metrics: [] });
  });

  it('keeps at most its limit per Canary, the oldest dropped first, and forgets a deleted Canary', () => {
    const h = new StatusHistory(3);
    for (let i = 0; i < 5; i++) {
      h.record(canary({ canaryWeight: i, metrics: [{ name: 'rate', result: 'pass', value: i, checkedAt: iso(i) }] }), T0 + i);
    }
    expect(h.of('test', 'podinfo').weights.map((w) => w.weight)).to.deep.equal([2, 3, 4]);
    expect(h.of('test', 'podinfo').metrics.map((m) => m.value)).to.deep.equal([2, 3, 4]);
    h.forget('test', 'podinfo');
    expect(h.of('test', 'podinfo').weights).to.deep.equal([]);
  });

  it('ignores a check whose time does not parse', () => {
    const h = new StatusHistory();
    h.record(canary({ metrics: [{ name: 'rate', result: 'pass', value: 1, checkedAt: 'yesterday' }] }), T0);
    expect(h.of('test', 'podinfo').metrics).to.deep.equal([]);
  });
});
