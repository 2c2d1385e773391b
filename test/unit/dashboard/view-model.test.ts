// The dashboard's view models, from Canary and Event objects to what the pages draw.
import { expect } from 'chai';
import type { Canary } from '../../../src/api/types.js';
import {
  canaryDetail,
  canaryRow,
  canaryRows,
  eventMarkers,
  generatedObjects,
  judgeText,
  metricSeries,
  weightFromEvent,
  weightTimeline,
} from '../../../src/dashboard/view-model.js';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function canary(name: string, status?: Canary['status'], extra: Partial<Canary['spec']> = {}, namespace = 'test'): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace, uid: `uid-${name}` },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      service: { port: 9898 },
      analysis: {
        interval: '30s',
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
      },
      ...extra,
    },
    ...(status ? { status } : {}),
  };
}

const event = (s: number, message: string, type = 'Normal', count = 1) => ({ type, reason: 'Synced', message, count, lastTimestamp: iso(s) });

describe('dashboard view model', () => {
  it('makes a list row of the kubectl get canaries columns, the max weight and the pause annotation', () => {
    const c = canary('podinfo', { phase: 'Progressing', canaryWeight: 20, failedChecks: 1, lastTransitionTime: iso(0) });
    c.metadata.annotations = { 'sluice.dev/paused': 'true' };
    expect(canaryRow(c)).to.deep.equal({
      namespace: 'test',
      name: 'podinfo',
      phase: 'Progressing',
      weight: 20,
      maxWeight: 50,
      failedChecks: 1,
      lastTransitionTime: iso(0),
      paused: true,
    });
    expect(canaryRow(canary('fresh'))).to.include({ phase: '', weight: 0, failedChecks: 0, paused: false });
  });

  it('counts iterations for Blue/Green, and sorts rows by namespace then name', () => {
    const bg = canary('bg', { phase: 'Progressing', iterations: 3 }, { analysis: { interval: '1m', threshold: 2, iterations: 10 } });
    expect(canaryRow(bg).iterations).to.equal('3/10');
    const rows = canaryRows([canary('b', undefined, {}, 'y'), canary('z', undefined, {}, 'x'), canary('a', undefined, {}, 'y')]);
    expect(rows.map((r) => `${r.namespace}/${r.name}`)).to.deep.equal(['x/z', 'y/a', 'y/b']);
  });

  it("reads the weight each of Flagger's rollout sentences implies, and none from the others", () => {
    expect(weightFromEvent('Advance podinfo.test canary weight 15')).to.equal(15);
    expect(weightFromEvent('Advance podinfo.test primary weight 70')).to.equal(30);
    expect(weightFromEvent('Routing all traffic to canary')).to.equal(100);
    expect(weightFromEvent('New revision detected! Scaling up podinfo.test')).to.equal(0);
    expect(weightFromEvent('Promotion completed! Scaling down podinfo.test')).to.equal(0);
    expect(weightFromEvent('Rolling back podinfo.test failed checks threshold reached 5')).to.equal(0);
    expect(weightFromEvent('Halt podinfo.test advancement success rate 69.17% < 99%')).to.equal(undefined);
    expect(weightFromEvent('Starting canary analysis for podinfo.test')).to.equal(undefined);
    // A name cannot smuggle a weight in: the sentence must be the whole message.
    expect(weightFromEvent('Halt x advancement: Advance a.b canary weight 40')).to.equal(undefined);
  });

  it('builds the weight timeline from Events and watched samples, in time order, without repeats', () => {
    const markers = eventMarkers([
      event(10, 'Advance podinfo.test canary weight 10'),
      event(0, 'New revision detected! Scaling up podinfo.test'),
      event(20, 'Halt podinfo.test advancement success rate 97% < 99%', 'Warning'),
      event(30, 'Advance podinfo.test canary weight 20'),
    ]);
    expect(markers.map((m) => m.at)).to.deep.equal([0, 10, 20, 30].map((s) => T0 + s * 1000));
    const timeline = weightTimeline(markers, [
      { at: T0 + 31_000, weight: 20 },
      { at: T0 + 40_000, weight: 30 },
    ]);
    expect(timeline).to.deep.equal([
      { at: T0, weight: 0 },
      { at: T0 + 10_000, weight: 10 },
      { at: T0 + 30_000, weight: 20 },
      { at: T0 + 40_000, weight: 30 },
    ]);
  });

  it('leaves out an Event without any time, and falls back from lastTimestamp to eventTime and creation time', () => {
    const markers = eventMarkers([
      { message: 'no time' },
      { message: 'micro', eventTime: iso(5) },
      { message: 'created', metadata: { creationTimestamp: iso(1) } },
    ]);
    expect(markers.map((m) => [m.message, m.at, m.type])).to.deep.equal([
      ['created', T0 + 1000, 'Normal'],
      ['micro', T0 + 5000, 'Normal'],
    ]);
  });

  it("makes one series per declared metric from the recorded checks and the status's last verdict", () => {
    const c = canary('podinfo', {
      metrics: [{ name: 'request-success-rate', result: 'fail', value: 97.1, min: 99, checkedAt: iso(60), message: 'too low' }],
    });
    const series = metricSeries(c, [
      { name: 'request-success-rate', at: T0, result: 'pass', value: 99.9, min: 99 },
      { name: 'request-success-rate', at: T0 + 30_000, result: 'nodata', min: 99 },
      // The same check seen both by the watch and in the status is one point.
      { name: 'request-success-rate', at: T0 + 60_000, result: 'fail', value: 97.1, min: 99, message: 'too low' },
      { name: 'custom', at: T0, result: 'error', value: 3, message: 'query failed' },
    ]);
    expect(series).to.deep.equal([
      {
        name: 'request-success-rate',
        min: 99,
        points: [
          { at: T0, result: 'pass', value: 99.9 },
          { at: T0 + 30_000, result: 'nodata' },
          { at: T0 + 60_000, result: 'fail', value: 97.1, message: 'too low' },
        ],
      },
      // An error has no value to draw, whatever the sample carried.
      { name: 'custom', points: [{ at: T0, result: 'error', message: 'query failed' }] },
    ]);
  });

  it("carries the judge's comparison of each check, and of the last one for the text beside the chart", () => {
    const judge = {
      classification: 'high' as const,
      canaryMedian: 612,
      primaryMedian: 180,
      shift: 431.5,
      relativeShift: 2.397,
      pValue: 0.0004,
      canarySamples: 30,
      primarySamples: 28,
      message: 'canary 612ms vs primary 180ms (+432ms, +240%, p<0.001)',
    };
    const c = canary('podinfo', {
      metrics: [{ name: 'request-success-rate', result: 'fail', value: 99.5, min: 99, checkedAt: iso(60), judge }],
    });
    const [series] = metricSeries(c, [{ name: 'request-success-rate', at: T0, result: 'pass', value: 99.9, min: 99 }]);
    const text = 'canary higher than the primary: canary 612ms vs primary 180ms (+432ms, +240%, p<0.001); 30 canary and 28 primary samples.';
    expect(series.judge).to.equal(text);
    expect(series.points.map((p) => p.judge)).to.deep.equal([undefined, text]);
    // Without its own reason, the judge's numbers speak; too few samples are not counted twice.
    expect(judgeText({ ...judge, message: undefined })).to.equal(
      'canary higher than the primary: canary median 612 vs primary 180, shift +432 (+240%), p-value < 0.001; 30 canary and 28 primary samples.',
    );
    expect(judgeText({ classification: 'nodata', canarySamples: 3, primarySamples: 30, message: 'too few samples to compare: canary 3, primary 30' })).to.equal(
      'not judged: too few samples to compare: canary 3, primary 30.',
    );
    expect(
      metricSeries(canary('plain', { metrics: [{ name: 'request-success-rate', result: 'pass', value: 99.9, checkedAt: iso(0) }] }), [])[0],
    ).to.not.have.property('judge');
  });

  it('lists the objects the Canary owns and its target, with the share of traffic each carries', () => {
    const c = canary('podinfo', { canaryWeight: 30 });
    const owner = [{ uid: 'uid-podinfo' }];
    const objects = generatedObjects(c, [
      { kind: 'Deployment', metadata: { name: 'podinfo-primary', ownerReferences: owner }, spec: { replicas: 2 }, status: { readyReplicas: 2 } },
      { kind: 'Deployment', metadata: { name: 'podinfo' }, spec: { replicas: 1 }, status: {} },
      { kind: 'Deployment', metadata: { name: 'unrelated' } },
      { kind: 'Service', metadata: { name: 'podinfo', ownerReferences: owner } },
      { kind: 'Service', metadata: { name: 'podinfo-canary', ownerReferences: owner } },
      { kind: 'Service', metadata: { name: 'podinfo-primary', ownerReferences: [{ uid: 'someone-else' }] } },
      { kind: 'HorizontalPodAutoscaler', metadata: { name: 'podinfo-primary', ownerReferences: owner }, spec: { minReplicas: 2, maxReplicas: 4 } },
    ]);
    expect(objects).to.deep.equal([
      { kind: 'Deployment', name: 'podinfo', weight: 30, detail: '0/1 ready' },
      { kind: 'Deployment', name: 'podinfo-primary', weight: 70, detail: '2/2 ready' },
      { kind: 'HorizontalPodAutoscaler', name: 'podinfo-primary', weight: 70, detail: '2-4 replicas' },
      { kind: 'Service', name: 'podinfo', detail: '' },
      { kind: 'Service', name: 'podinfo-canary', weight: 30, detail: '' },
    ]);
  });

  it('lists the routing objects beside the owned ones, in kind then name order', () => {
    const detail = canaryDetail(
      canary('podinfo', { canaryWeight: 20 }),
      [],
      { weights: [], metrics: [] },
      [{ kind: 'Service', metadata: { name: 'podinfo-canary', ownerReferences: [{ uid: 'uid-podinfo' }] } }],
      [{ kind: 'VirtualService', name: 'podinfo', split: 'podinfo-primary 80%, podinfo-canary 20%', detail: '' }],
    );
    expect(detail.objects).to.deep.equal([
      { kind: 'Service', name: 'podinfo-canary', weight: 20, detail: '' },
      { kind: 'VirtualService', name: 'podinfo', split: 'podinfo-primary 80%, podinfo-canary 20%', detail: '' },
    ]);
  });

  it('keeps user data as data: names and messages pass through unchanged for the page to set as text', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const detail = canaryDetail(
      canary('podinfo', { phase: 'Failed', conditions: [{ type: 'Promoted', status: 'False', reason: 'Failed', message: hostile }] }),
      [event(1, hostile, 'Warning')],
      { weights: [], metrics: [] },
      [],
    );
    expect(detail.events[0].message).to.equal(hostile);
    expect(detail.conditions).to.deep.equal([{ type: 'Promoted', status: 'False', reason: 'Failed', message: hostile, lastTransitionTime: '' }]);
  });
});
