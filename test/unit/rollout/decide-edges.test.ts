// The rollout state machine's less travelled branches, tick by tick: a missing target or primary,
// drift while idle, waits and holds, readiness failures mid-rollout, pause, the alerts of each
// outcome and what the status keeps. With decide.test.ts these walk every branch of decide().
import { expect } from 'chai';
import { World, osmCanary, pass, fail } from './world.js';
import { IDLE_RESYNC_MS, routesFor } from '../../../src/rollout/decide.js';
import type { DeploymentLike } from '../../../src/rollout/readiness.js';
import type { MetricCheckStatus } from '../../../src/api/types.js';

const INTERVAL_MS = 30_000;
const READINESS_POLL_MS = 2_000;

function initialized(world: World): World {
  world.reconcile();
  world.reconcile();
  expect(world.status.phase).to.equal('Initialized');
  return world;
}

/** Starts a rollout of podinfo:6.0.1 and returns the world in Progressing. */
function started(world: World): World {
  initialized(world);
  world.setImage('podinfo:6.0.1');
  world.reconcile();
  expect(world.status.phase).to.equal('Progressing');
  return world;
}

const primaryWith = (status: DeploymentLike['status'], generation = 1): DeploymentLike => ({
  metadata: { name: 'podinfo-primary', namespace: 'test', generation },
  spec: { replicas: 2, template: {} },
  status,
});
const stuckPrimary = primaryWith({
  observedGeneration: 1,
  replicas: 2,
  updatedReplicas: 2,
  availableReplicas: 0,
  conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
});
const rollingPrimary = primaryWith({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2);

describe('rollout engine: target and primary come and go', () => {
  it('a missing target is a Warning and changes nothing else', () => {
    const w = initialized(new World(osmCanary()));
    const before = structuredClone(w.status);
    w.targetExists = false;
    const d = w.step();
    expect(d.events).to.deep.equal([{ type: 'Warning', message: 'Target podinfo.test not available: deployment not found' }]);
    expect(d.sync).to.equal(undefined);
    expect(d.scaleTarget).to.equal(undefined);
    expect(d.requeueAfterMs).to.equal(INTERVAL_MS);
    expect(w.status).to.deep.equal(before);
  });

  it('a primary deleted while idle is created again, and the Canary initialized again', () => {
    const w = initialized(new World(osmCanary()));
    w.primary = undefined;
    const recreate = w.step();
    expect(recreate.sync).to.deep.equal({ weights: { primary: 100, canary: 0, mirror: false }, primaryFromTarget: true });
    expect(recreate.events).to.deep.equal([]);
    expect(recreate.requeueAfterMs).to.equal(READINESS_POLL_MS);
    expect(w.status.phase).to.equal('Initializing');
    w.reconcile();
    expect(w.status.phase).to.equal('Initialized');
    expect(w.events).to.deep.equal(['Initialization done! podinfo.test', 'Initialization done! podinfo.test']);
  });

  it('an idle target scaled up by someone else is scaled back to zero, quietly', () => {
    const w = initialized(new World(osmCanary()));
    w.target = { ...w.target, spec: { ...w.target.spec, replicas: 3 } };
    const d = w.step();
    expect(d.scaleTarget).to.equal(0);
    expect(d.events).to.deep.equal([]);
    expect(d.requeueAfterMs).to.equal(IDLE_RESYNC_MS);
  });

  it('a rollout scales the target to its own replicas when it has some', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.target = { ...w.target, spec: { ...w.target.spec, replicas: 3 } };
    expect(w.reconcile().scaleTarget).to.equal(3);
  });

  it("a rollout scales a target at zero to the autoscaler's minimum, at least one", () => {
    for (const [min, expected] of [
      [4, 4],
      [0, 1],
    ]) {
      const w = initialized(new World(osmCanary()));
      w.autoscalerMinReplicas = min;
      w.setImage('podinfo:6.0.1');
      expect(w.reconcile().scaleTarget).to.equal(expected);
    }
  });
});

describe('rollout engine: waiting for approval', () => {
  const gated = (approved: () => boolean) =>
    new World(
      osmCanary((c) => {
        c.spec.analysis!.threshold = 1;
        c.spec.analysis!.webhooks!.push({ name: 'gate', type: 'confirm-rollout', url: 'http://lt/gate/check' });
      }),
      { 'confirm-rollout': () => (approved() ? pass() : fail('Halt podinfo.test advancement waiting for approval gate', 'gate')) },
    );

  it('a reconcile before the interval does not ask the confirm gate again', () => {
    const w = initialized(gated(() => false));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    expect(w.status.phase).to.equal('Waiting');
    const asked = w.gateCalls.filter((g) => g === 'confirm-rollout').length;
    w.now += 10_000;
    const d = w.reconcile();
    expect(w.gateCalls.filter((g) => g === 'confirm-rollout')).to.have.length(asked);
    expect(d.requeueAfterMs).to.equal(INTERVAL_MS - 10_000);
    expect(d.sync?.weights).to.deep.equal({ primary: 100, canary: 0, mirror: false });
    expect(d.events).to.deep.equal([]);
  });

  it("going back to the primary's revision while Waiting ends in Succeeded without a rollout", () => {
    let approved = true;
    const w = initialized(gated(() => approved));
    w.gates.analysis = () => fail('Halt');
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Failed']);
    approved = false;
    w.setImage('podinfo:6.0.2');
    w.reconcile();
    expect(w.status.phase).to.equal('Waiting');
    const before = w.events.length;
    w.setImage('podinfo:6.0.0');
    const d = w.reconcile();
    expect(d.note).to.equal("revision rev-podinfo:6.0.0 equals the primary's; no rollout");
    expect(d.events).to.deep.equal([]);
    expect(w.events.length).to.equal(before);
    expect(w.status).to.include({ phase: 'Succeeded', lastAppliedSpec: 'rev-podinfo:6.0.0', lastPromotedSpec: 'rev-podinfo:6.0.0' });
    expect(w.status.conditions?.[0]).to.include({ type: 'Promoted', status: 'True', reason: 'Succeeded' });
  });
  it('waiting for promotion approval alerts once, however many steps it holds', () => {
    const w = started(
      new World(
        osmCanary((c) => c.spec.analysis!.webhooks!.push({ name: 'promo', type: 'confirm-promotion', url: 'http://lt/' })),
        { 'confirm-promotion': () => fail('Halt podinfo.test advancement waiting for promotion approval promo', 'promo') },
      ),
    );
    const alerts = [];
    for (let i = 0; i < 30 && w.status.phase !== 'WaitingPromotion'; i++) alerts.push(...w.step().alerts);
    alerts.push(...w.step().alerts, ...w.step().alerts);
    expect(w.status.phase).to.equal('WaitingPromotion');
    expect(alerts).to.deep.equal([{ severity: 'warn', message: 'Canary is waiting for promotion approval.' }]);
  });
});

describe('rollout engine: readiness during a rollout', () => {
  it('a primary that is not ready holds the step with a Warning', () => {
    const w = started(new World(osmCanary()));
    w.primary = rollingPrimary;
    const d = w.step();
    expect(d.events).to.deep.equal([
      {
        type: 'Warning',
        message: 'podinfo-primary.test not ready: waiting for rollout to finish: observed deployment generation less than desired generation',
      },
    ]);
    expect(d.requeueAfterMs).to.equal(READINESS_POLL_MS);
    expect(w.status).to.include({ phase: 'Progressing', canaryWeight: 0 });
  });

  it('a primary stuck while Promoting fails the promotion and leaves traffic on the canary', () => {
    const w = started(new World(osmCanary()));
    w.runUntil(['Promoting']);
    w.primary = stuckPrimary;
    const d = w.step();
    const reason = 'Promotion of podinfo.test failed, primary not ready: deployment "podinfo-primary" exceeded its progress deadline';
    expect(d.events).to.deep.equal([{ type: 'Warning', message: reason }]);
    expect(d.alerts).to.deep.equal([{ severity: 'error', message: reason }]);
    expect(d.sync).to.deep.equal({ weights: { primary: 0, canary: 100, mirror: false }, primaryFromTarget: false });
    expect(d.scaleTarget).to.equal(undefined);
    expect(d.postRollout).to.equal('Failed');
    expect(w.status).to.include({ phase: 'Failed', canaryWeight: 100, mirrored: false });
  });

  it('a primary stuck while Finalising fails the promotion too', () => {
    const w = started(new World(osmCanary()));
    w.runUntil(['Finalising']);
    w.primary = stuckPrimary;
    w.step();
    expect(w.status).to.include({ phase: 'Failed', canaryWeight: 100 });
    expect(w.postRollouts).to.deep.equal(['Failed']);
  });

  it('a primary not ready but not stuck while Promoting waits', () => {
    const w = started(new World(osmCanary()));
    w.runUntil(['Promoting']);
    w.primary = rollingPrimary;
    const d = w.step();
    expect(d.requeueAfterMs).to.equal(READINESS_POLL_MS);
    expect(w.status.phase).to.equal('Promoting');
  });

  it('a canary that reports ProgressDeadlineExceeded rolls back at once, before progressDeadlineSeconds', () => {
    const w = started(new World(osmCanary()));
    w.targetStuck = true;
    const d = w.step();
    expect(w.status.phase).to.equal('Failed');
    expect(d.events.map((e) => e.message)).to.deep.equal([
      'Rolling back podinfo.test progress deadline exceeded deployment "podinfo" exceeded its progress deadline',
      'Canary failed! Scaling down podinfo.test',
    ]);
    expect(d.alerts.map((a) => a.severity)).to.deep.equal(['error']);
  });
});

describe('rollout engine: holds, restarts and what the status keeps', () => {
  it('the paused annotation holds the analysis without a step, and lifting it resumes', () => {
    const w = started(new World(osmCanary()));
    w.step();
    expect(w.status.canaryWeight).to.equal(5);
    w.canary.metadata.annotations = { 'sluice.dev/paused': 'true' };
    const held = w.step();
    w.step();
    expect(held.note).to.equal('Halt podinfo.test advancement: paused by annotation');
    expect(held.events).to.deep.equal([]);
    expect(held.requeueAfterMs).to.equal(INTERVAL_MS);
    expect(w.status.canaryWeight).to.equal(5);
    w.canary.metadata.annotations = {};
    w.step();
    expect(w.status.canaryWeight).to.equal(10);
  });

  it('a ConfigMap change mid-rollout restarts the analysis', () => {
    const w = started(new World(osmCanary()));
    w.step();
    w.step();
    w.configs = { 'configmap/podinfo-config': 'def' };
    w.reconcile();
    expect(w.events.at(-1)).to.equal('New revision detected! Restarting analysis for podinfo.test');
    expect(w.status).to.include({ canaryWeight: 0, phase: 'Progressing' });
    expect(w.status.trackedConfigs).to.deep.equal({ 'configmap/podinfo-config': 'def' });
  });

  it('metric verdicts are kept in the status; a closed gate that does not count leaves failedChecks alone', () => {
    const verdicts = (result: MetricCheckStatus['result']): MetricCheckStatus[] => [
      { name: 'request-success-rate', result, checkedAt: '2026-01-01T00:00:00Z' },
    ];
    let open = false;
    const w = started(
      new World(osmCanary(), {
        analysis: () =>
          open
            ? { open: true, events: [], metrics: verdicts('pass') }
            : { open: false, countsAsFailedCheck: false, events: [{ type: 'Warning', message: 'too few requests' }], metrics: verdicts('nodata') },
      }),
    );
    w.step(); // pre-rollout, first step: weight 5
    const held = w.step();
    expect(held.events).to.deep.equal([{ type: 'Warning', message: 'too few requests' }]);
    expect(w.status).to.include({ canaryWeight: 5, failedChecks: 0 });
    expect(w.status.metrics).to.deep.equal(verdicts('nodata'));
    open = true;
    w.step();
    expect(w.status).to.include({ canaryWeight: 10, failedChecks: 0 });
    expect(w.status.metrics).to.deep.equal(verdicts('pass'));
  });

  it('Blue/Green with mirroring mirrors during its iterations', () => {
    const w = started(
      new World(
        osmCanary((c) => {
          c.spec.provider = 'istio';
          const a = c.spec.analysis!;
          delete a.stepWeight;
          delete a.maxWeight;
          a.iterations = 2;
          a.mirror = true;
        }),
      ),
    );
    w.step();
    expect(w.routes.at(-1)).to.deep.equal({ primary: 100, canary: 0, mirror: true });
    expect(w.status).to.include({ iterations: 1, mirrored: true });
    w.runUntil(['Succeeded']);
    expect(w.events).to.include('Routing all traffic to canary');
  });

  it('alerts: succeeded at the end of a rollout; warn for an abort or a rollback hook', () => {
    const happy = started(new World(osmCanary()));
    const alerts = [];
    for (let i = 0; i < 30 && happy.status.phase !== 'Succeeded'; i++) alerts.push(...happy.step().alerts);
    expect(alerts).to.deep.equal([{ severity: 'info', message: 'Canary analysis completed successfully, promotion finished.' }]);

    const aborted = started(new World(osmCanary()));
    aborted.canary.metadata.annotations = { 'sluice.dev/abort': 'alice@t1' };
    expect(aborted.reconcile().alerts).to.deep.equal([{ severity: 'warn', message: 'Rolling back podinfo.test aborted by alice@t1' }]);

    const hooked = started(
      new World(
        osmCanary((c) => c.spec.analysis!.webhooks!.push({ name: 'rb', type: 'rollback', url: 'http://lt/' })),
        { rollback: () => fail('rollback', 'rb') },
      ),
    );
    expect(hooked.step().alerts).to.deep.equal([{ severity: 'warn', message: 'Rolling back podinfo.test manual webhook invoked' }]);
  });

  it('the start of a rollout sends the progressing alert', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    expect(w.reconcile().alerts).to.deep.equal([{ severity: 'info', message: 'New revision detected, progressing canary analysis.' }]);
  });

  it('a failed-checks rollback alerts with error severity', () => {
    const w = started(
      new World(
        osmCanary((c) => (c.spec.analysis!.threshold = 1)),
        { analysis: () => fail('Halt') },
      ),
    );
    const alerts = [];
    for (let i = 0; i < 10 && w.status.phase !== 'Failed'; i++) alerts.push(...w.step().alerts);
    expect(alerts).to.deep.equal([{ severity: 'error', message: 'Rolling back podinfo.test failed checks threshold reached 1' }]);
  });

  it("the status records the observed generation and keeps the condition's transition time while it stays Unknown", () => {
    const w = initialized(
      new World(
        osmCanary((c) => {
          c.metadata.generation = 3;
          c.spec.analysis!.webhooks!.push({ name: 'promo', type: 'confirm-promotion', url: 'http://lt/' });
        }),
        { 'confirm-promotion': () => fail('Halt podinfo.test advancement waiting for promotion approval promo', 'promo') },
      ),
    );
    expect(w.status.observedGeneration).to.equal(3);
    w.now += 5_000;
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    const startedAt = w.status.conditions?.[0]?.lastTransitionTime;
    expect(startedAt).to.equal('2026-01-01T00:00:05Z');
    w.runUntil(['WaitingPromotion']);
    expect(w.status.conditions?.[0]).to.include({ reason: 'WaitingPromotion', status: 'Unknown', lastTransitionTime: startedAt });
    expect(w.status.conditions?.[0]?.lastUpdateTime).to.not.equal(startedAt);
    expect(w.status.lastTransitionTime).to.not.equal(startedAt);
  });

  it('routesFor: A/B before its first iteration routes everything to the primary; mirroring shows in the split', () => {
    expect(routesFor({ phase: 'Progressing', iterations: 0 }, 'ab-testing')).to.deep.equal({ primary: 100, canary: 0, mirror: false });
    expect(routesFor({ phase: 'Progressing', canaryWeight: 0, mirrored: true }, 'canary')).to.deep.equal({ primary: 100, canary: 0, mirror: true });
    expect(routesFor({ phase: 'Finalising', canaryWeight: 40 }, 'canary')).to.deep.equal({ primary: 100, canary: 0, mirror: false });
    expect(routesFor({}, 'canary')).to.deep.equal({ primary: 100, canary: 0, mirror: false });
  });
});
