// Rollouts paced by evidence (issue #18): analysis steps wait a full interval, the steps between
// them only for their condition. The World's clock moves by 100 ms here, far below the 30 s interval.
import { expect } from 'chai';
import { World, osmCanary, fail } from './world.js';
import { pacedByEvidence } from '../../../src/rollout/decide/pacing.js';
import type { Decision } from '../../../src/rollout/decision.js';

const SOON = 100;

function initialized(world: World): World {
  world.reconcile();
  world.reconcile();
  expect(world.status.phase).to.equal('Initialized');
  return world;
}

/** A reconcile SOON after the last one, as a watch event brings it. */
function soon(w: World): Decision {
  w.now += SOON;
  return w.reconcile();
}

/** Drives a rollout with passing checks until it reaches `phase`. */
function until(w: World, phase: string): void {
  w.runUntil([phase]);
}

describe('rollout pacing: the steps between analysis steps wait for evidence, not the interval', () => {
  it("the first step follows the scaled-up canary's readiness, with no warning inside the interval", () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    const detect = w.reconcile();
    expect(w.status).to.include({ phase: 'Progressing', canaryWeight: 0, firstStepPending: true });
    expect(detect.requeueAfterMs, 'looks again at readiness pace, not after the 30 s interval').to.be.below(30_000);
    w.targetReady = false;
    const waiting = soon(w);
    expect(w.status.canaryWeight).to.equal(0);
    expect(waiting.events, 'Flagger would not have looked yet: no "not ready" warning').to.deep.equal([]);
    w.targetReady = true;
    soon(w);
    expect(w.status.canaryWeight, 'first step taken 200 ms after detection').to.equal(5);
    expect(w.status.firstStepPending).to.equal(undefined);
    expect(w.events.slice(-2)).to.deep.equal(['Starting canary analysis for podinfo.test', 'Advance podinfo.test canary weight 5']);
  });

  it("past the interval a canary that is still not ready gets Flagger's warning", () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.targetReady = false;
    const late = w.step();
    expect(late.events.map((e) => e.type)).to.deep.equal(['Warning']);
    expect(late.events[0]!.message).to.match(/podinfo\.test/);
  });

  it('each weight is still analysed for a full interval', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    soon(w);
    expect(w.status.canaryWeight).to.equal(5);
    const calls = w.gateCalls.length;
    for (let i = 0; i < 5; i++) soon(w);
    expect(w.status.canaryWeight, 'no step before the interval').to.equal(5);
    expect(w.gateCalls.length, 'no check before the interval').to.equal(calls);
    w.step();
    expect(w.status.canaryWeight).to.equal(10);
  });

  it('a failed first check keeps the interval: the pre-rollout hook is not called again at once', () => {
    const w = initialized(new World(osmCanary(), { 'pre-rollout': () => fail('Halt podinfo.test advancement pre-rollout check acceptance-test failed 500') }));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    soon(w);
    expect(w.status.failedChecks).to.equal(1);
    const calls = w.gateCalls.filter((g) => g === 'pre-rollout').length;
    soon(w);
    soon(w);
    expect(w.gateCalls.filter((g) => g === 'pre-rollout').length).to.equal(calls);
  });

  it('a closed confirm-traffic-increase gate at the first step keeps the interval', () => {
    const w = initialized(
      new World(osmCanary(), { 'confirm-traffic-increase': () => fail('Halt podinfo.test advancement waiting for traffic increase approval confirm') }),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    soon(w);
    const calls = w.gateCalls.length;
    soon(w);
    expect(w.gateCalls.length, 'no gate polled before the interval').to.equal(calls);
  });

  it('the rollback follows the threshold at once', () => {
    const w = initialized(
      new World(
        osmCanary((c) => (c.spec.analysis!.threshold = 2)),
        { analysis: () => fail('Halt podinfo.test advancement success rate 69.17% < 99%') },
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    soon(w);
    const first = w.step();
    expect(w.status.failedChecks).to.equal(1);
    expect(first.requeueAfterMs).to.equal(30_000);
    const second = w.step();
    expect(w.status.failedChecks).to.equal(2);
    expect(second.requeueAfterMs, 'the rollback is due now').to.equal(0);
    soon(w);
    expect(w.status.phase).to.equal('Failed');
    expect(w.events.slice(-2)).to.deep.equal(['Rolling back podinfo.test failed checks threshold reached 2', 'Canary failed! Scaling down podinfo.test']);
    expect(w.target.spec?.replicas).to.equal(0);
  });

  it('promotion: all traffic to the primary once its rollout is ready, then the canary scaled down at once', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    until(w, 'Promoting');
    expect(w.primaryImage).to.equal('podinfo:6.0.1');
    // The primary is rolling out the new template.
    w.primary = { ...w.primary!, status: { ...w.primary!.status, updatedReplicas: 0, availableReplicas: 0 } };
    const rolling = soon(w);
    expect(w.status.phase).to.equal('Promoting');
    expect(rolling.events, 'no warning inside the interval').to.deep.equal([]);
    w.primary = { ...w.primary!, status: { ...w.primary!.status, updatedReplicas: 2, availableReplicas: 2 } };
    const routed = soon(w);
    expect(w.status.phase).to.equal('Finalising');
    expect(routed.requeueAfterMs, 'the scale-down is due now').to.equal(0);
    soon(w);
    expect(w.status.phase).to.equal('Succeeded');
    expect(w.events.slice(-3)).to.deep.equal([
      'Copying podinfo.test template spec to podinfo-primary.test',
      'Routing all traffic to primary',
      'Promotion completed! Scaling down podinfo.test',
    ]);
  });

  it("stepWeightPromotion's gradual steps keep the interval", () => {
    const w = initialized(new World(osmCanary((c) => (c.spec.analysis!.stepWeightPromotion = 20))));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    until(w, 'Promoting');
    soon(w);
    expect(w.status.canaryWeight, 'no promotion step before the interval').to.equal(50);
    w.step();
    expect(w.status.canaryWeight).to.equal(30);
  });

  it('pacedByEvidence: which phases wait for the interval', () => {
    const r = { threshold: 3, stepWeightPromotion: 0 };
    expect(pacedByEvidence('Progressing', { firstStepPending: true, canaryWeight: 0 }, r)).to.equal(true);
    expect(pacedByEvidence('Progressing', { canaryWeight: 0 }, r), "a status without the marker (Flagger's, or older) keeps the interval").to.equal(false);
    expect(pacedByEvidence('Progressing', { firstStepPending: true, canaryWeight: 10 }, r)).to.equal(false);
    expect(pacedByEvidence('Progressing', { canaryWeight: 10, failedChecks: 3 }, r)).to.equal(true);
    expect(pacedByEvidence('Progressing', { canaryWeight: 10, failedChecks: 2 }, r)).to.equal(false);
    expect(pacedByEvidence('WaitingPromotion', { canaryWeight: 50 }, r), 'the confirm-promotion gate polls each interval').to.equal(false);
    expect(pacedByEvidence('Promoting', { canaryWeight: 50 }, r)).to.equal(true);
    expect(pacedByEvidence('Promoting', { canaryWeight: 50 }, { ...r, stepWeightPromotion: 20 })).to.equal(false);
    expect(pacedByEvidence('Promoting', { canaryWeight: 20 }, { ...r, stepWeightPromotion: 20 })).to.equal(true);
    expect(pacedByEvidence('Finalising', {}, r)).to.equal(true);
    expect(pacedByEvidence('Succeeded', {}, r)).to.equal(false);
  });
});
