// The rollout state machine, tick by tick, against Flagger's documented behaviour.
import { expect } from 'chai';
import { World, osmCanary, pass, fail } from './world.js';
import { routesFor } from '../../../src/rollout/decide.js';

function initialized(world: World) {
  world.reconcile(); // creates the primary
  world.reconcile(); // primary ready: Initialized
  expect(world.status.phase).to.equal('Initialized');
  return world;
}

describe('rollout engine: initialization', () => {
  it('creates the primary from the target, then scales the target to zero', () => {
    const w = new World(osmCanary());
    const first = w.reconcile();
    expect(first.sync?.primaryFromTarget).to.equal(true);
    expect(w.status.phase).to.equal('Initializing');
    const second = w.reconcile();
    expect(second.scaleTarget).to.equal(0);
    expect(w.status).to.include({ phase: 'Initialized', canaryWeight: 0, lastAppliedSpec: 'rev-podinfo:6.0.0', lastPromotedSpec: 'rev-podinfo:6.0.0' });
    expect(w.events).to.deep.equal(['Initialization done! podinfo.test']);
    expect(w.status.conditions?.[0]).to.include({ type: 'Promoted', status: 'True', reason: 'Initialized' });
  });

  it('does nothing while idle and unchanged (no events, routes all to primary)', () => {
    const w = initialized(new World(osmCanary()));
    const d = w.step();
    expect(d.events).to.deep.equal([]);
    expect(d.sync?.weights).to.deep.equal({ primary: 100, canary: 0, mirror: false });
    expect(d.scaleTarget).to.equal(undefined);
  });
});

describe('rollout engine: progressive canary (OSM seed)', () => {
  it("promotes after stepping 5..50 with the seed's events in order", () => {
    const w = initialized(new World(osmCanary(), { 'pre-rollout': () => pass(['Pre-rollout check acceptance-test passed']) }));
    w.setImage('podinfo:6.0.1');
    const detect = w.reconcile(); // watch-driven: no interval needed
    expect(detect.scaleTarget).to.equal(2);
    w.runUntil(['Succeeded']);
    const advances = w.events.filter((e) => e.startsWith('Advance'));
    expect(advances).to.deep.equal([5, 10, 15, 20, 25, 30, 35, 40, 45, 50].map((n) => `Advance podinfo.test canary weight ${n}`));
    expect(w.events[0]).to.equal('Initialization done! podinfo.test');
    expect(w.events.slice(1, 4)).to.deep.equal([
      'New revision detected! Scaling up podinfo.test',
      'Starting canary analysis for podinfo.test',
      'Pre-rollout check acceptance-test passed',
    ]);
    expect(w.events.slice(-3)).to.deep.equal([
      'Copying podinfo.test template spec to podinfo-primary.test',
      'Routing all traffic to primary',
      'Promotion completed! Scaling down podinfo.test',
    ]);
    expect(w.primaryImage).to.equal('podinfo:6.0.1');
    expect(w.target.spec?.replicas).to.equal(0);
    expect(w.status).to.include({ phase: 'Succeeded', canaryWeight: 0, lastPromotedSpec: 'rev-podinfo:6.0.1' });
    expect(w.postRollouts).to.deep.equal(['Succeeded']);
    expect(w.routes.at(-1)).to.deep.equal({ primary: 100, canary: 0, mirror: false });
  });

  it("a scale-up lost after the start's status write (a crash) is redone before any step", () => {
    const w = initialized(new World(osmCanary(), { 'pre-rollout': () => pass([]) }));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    expect(w.status.phase).to.equal('Progressing');
    w.target = { ...w.target, spec: { ...w.target.spec, replicas: 0 } }; // the scale never reached the cluster
    const redo = w.step();
    expect(redo.scaleTarget).to.equal(2);
    expect(w.status.canaryWeight).to.equal(0);
    expect(w.events.filter((e) => e.startsWith('Advance'))).to.deep.equal([]);
    w.step();
    expect(w.events.filter((e) => e.startsWith('Advance'))).to.deep.equal(['Advance podinfo.test canary weight 5']);
  });

  it('never advances faster than the interval, however often it reconciles', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.step();
    const weight = w.status.canaryWeight;
    for (let i = 0; i < 10; i++) w.reconcile();
    expect(w.status.canaryWeight).to.equal(weight);
    expect(w.events.filter((e) => e.startsWith('Advance'))).to.have.length(1);
  });

  it('rolls back on the tick after failed checks reach the threshold (checks are cumulative)', () => {
    let failures = 0;
    const w = initialized(
      new World(osmCanary(), {
        analysis: () => (++failures % 2 ? fail('Halt podinfo.test advancement success rate 69.17% < 99%') : pass()),
      }),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Failed']);
    expect(w.events.filter((e) => e.startsWith('Halt'))).to.have.length(5);
    expect(w.events.slice(-2)).to.deep.equal(['Rolling back podinfo.test failed checks threshold reached 5', 'Canary failed! Scaling down podinfo.test']);
    expect(w.status.canaryWeight).to.equal(0);
    expect(w.target.spec?.replicas).to.equal(0);
    expect(w.primaryImage).to.equal('podinfo:6.0.0');
    expect(w.routes.at(-1)).to.deep.equal({ primary: 100, canary: 0, mirror: false });
    expect(w.status.conditions?.[0]).to.include({ status: 'False', reason: 'Failed' });
    expect(w.postRollouts).to.deep.equal(['Failed']);
  });

  it('a failing pre-rollout check counts as a failed check', () => {
    const w = initialized(
      new World(
        osmCanary((c) => (c.spec.analysis!.threshold = 2)),
        {
          'pre-rollout': () => fail('Halt podinfo.test advancement pre-rollout check acceptance-test failed 500'),
        },
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Failed']);
    expect(w.events.filter((e) => e.includes('pre-rollout check acceptance-test failed'))).to.have.length(2);
  });

  it('restarts the analysis when the target changes mid-rollout', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.step();
    w.step();
    w.step();
    expect(w.status.canaryWeight).to.equal(15);
    w.setImage('podinfo:6.0.2');
    w.reconcile();
    expect(w.events.at(-1)).to.equal('New revision detected! Restarting analysis for podinfo.test');
    expect(w.status).to.include({ canaryWeight: 0, failedChecks: 0, phase: 'Progressing', lastAppliedSpec: 'rev-podinfo:6.0.2' });
    expect(w.routes.at(-1)).to.deep.equal({ primary: 100, canary: 0, mirror: false });
    w.runUntil(['Succeeded']);
    expect(w.primaryImage).to.equal('podinfo:6.0.2');
  });

  it('a ConfigMap change alone starts a rollout', () => {
    const w = initialized(new World(osmCanary()));
    w.configs = { 'configmap/podinfo-config': 'abc' };
    w.reconcile();
    expect(w.events.at(-1)).to.equal('New revision detected! Scaling up podinfo.test');
  });

  it("going back to the primary's template starts no rollout", () => {
    const w = initialized(new World(osmCanary(), { analysis: () => fail('Halt') }));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Failed']);
    const before = w.events.length;
    w.setImage('podinfo:6.0.0');
    w.reconcile();
    w.step();
    expect(w.events.slice(before)).to.deep.equal([]);
    expect(w.status.phase).to.equal('Failed');
    expect(w.status.lastAppliedSpec).to.equal('rev-podinfo:6.0.0');
  });

  it('the same failed revision is not retried until asked', () => {
    const w = initialized(
      new World(
        osmCanary((c) => (c.spec.analysis!.threshold = 1)),
        { analysis: () => fail('Halt') },
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Failed']);
    w.step();
    expect(w.status.phase).to.equal('Failed');
    w.canary.metadata.annotations = { 'sluice.dev/retry': 't1' };
    w.gates = {};
    w.reconcile();
    expect(w.status.phase).to.equal('Progressing');
    expect(w.status.commands?.retry).to.equal('t1');
    w.runUntil(['Succeeded']);
  });

  it('rolls back when the canary is not ready within progressDeadlineSeconds', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.targetReady = false;
    w.reconcile();
    w.step();
    expect(w.events.at(-1)).to.match(/^canary deployment podinfo\.test not ready: waiting for rollout to finish: 0 of 2/);
    w.step();
    w.step();
    expect(w.status.phase).to.equal('Failed');
    expect(w.events).to.include(
      'Rolling back podinfo.test progress deadline exceeded waiting for rollout to finish: 0 of 2 (readyThreshold 100%) updated replicas are available',
    );
  });

  it('a rollback hook that answers rolls back at once', () => {
    const w = initialized(
      new World(
        osmCanary((c) => c.spec.analysis!.webhooks!.push({ name: 'rb', type: 'rollback', url: 'http://lt/' })),
        {
          rollback: (tick) => (tick >= 3 ? fail('rollback', 'rb') : pass()),
        },
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Failed']);
    expect(w.events).to.include('Rolling back podinfo.test manual webhook invoked');
  });

  it('confirm-rollout keeps the canary Waiting until approved', () => {
    let approved = false;
    const w = initialized(
      new World(
        osmCanary((c) => c.spec.analysis!.webhooks!.push({ name: 'gate', type: 'confirm-rollout', url: 'http://lt/gate/check' })),
        {
          'confirm-rollout': () =>
            approved ? pass(['Confirm-rollout check gate passed']) : fail('Halt podinfo.test advancement waiting for approval gate', 'gate'),
        },
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    expect(w.status.phase).to.equal('Waiting');
    expect(w.target.spec?.replicas).to.equal(0);
    w.step();
    expect(w.status.phase).to.equal('Waiting');
    approved = true;
    w.step();
    expect(w.status.phase).to.equal('Progressing');
    expect(w.events.slice(-2)).to.deep.equal(['Confirm-rollout check gate passed', 'New revision detected! Scaling up podinfo.test']);
  });

  it('confirm-promotion holds at max weight in WaitingPromotion', () => {
    let approved = false;
    const w = initialized(
      new World(
        osmCanary((c) => c.spec.analysis!.webhooks!.push({ name: 'promo', type: 'confirm-promotion', url: 'http://lt/' })),
        {
          'confirm-promotion': () => (approved ? pass() : fail('Halt podinfo.test advancement waiting for promotion approval promo', 'promo')),
        },
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['WaitingPromotion']);
    expect(w.status.canaryWeight).to.equal(50);
    w.step();
    expect(w.status.phase).to.equal('WaitingPromotion');
    approved = true;
    w.runUntil(['Succeeded']);
  });

  it('confirm-traffic-increase halts without counting a failed check', () => {
    let open = false;
    const w = initialized(
      new World(
        osmCanary((c) => c.spec.analysis!.webhooks!.push({ name: 'ti', type: 'confirm-traffic-increase', url: 'http://lt/' })),
        {
          'confirm-traffic-increase': () => (open ? pass() : fail('Halt podinfo.test advancement waiting for traffic increase approval ti', 'ti')),
        },
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.step();
    w.step();
    w.step();
    expect(w.status).to.include({ canaryWeight: 0, failedChecks: 0, phase: 'Progressing' });
    open = true;
    w.step();
    expect(w.status.canaryWeight).to.equal(5);
  });

  it('stepWeights and stepWeightPromotion', () => {
    const w = initialized(
      new World(
        osmCanary((c) => {
          delete c.spec.analysis!.stepWeight;
          c.spec.analysis!.stepWeights = [1, 10, 40, 80];
          c.spec.analysis!.stepWeightPromotion = 30;
        }),
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Succeeded']);
    expect(w.events.filter((e) => e.startsWith('Advance'))).to.deep.equal([
      'Advance podinfo.test canary weight 1',
      'Advance podinfo.test canary weight 10',
      'Advance podinfo.test canary weight 40',
      'Advance podinfo.test canary weight 80',
      'Advance podinfo.test primary weight 50',
      'Advance podinfo.test primary weight 80',
    ]);
  });

  it('skipAnalysis promotes at once', () => {
    const w = initialized(new World(osmCanary((c) => (c.spec.skipAnalysis = true))));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.step();
    expect(w.status.phase).to.equal('Succeeded');
    expect(w.events.slice(-2)).to.deep.equal([
      'Copying podinfo.test template spec to podinfo-primary.test',
      'Promotion completed! Canary analysis was skipped for podinfo.test',
    ]);
    expect(w.primaryImage).to.equal('podinfo:6.0.1');
  });

  it('suspend stops everything', () => {
    const w = initialized(new World(osmCanary()));
    w.canary.spec.suspend = true;
    w.setImage('podinfo:6.0.1');
    w.step();
    w.step();
    expect(w.status.phase).to.equal('Initialized');
    expect(w.events).to.deep.equal(['Initialization done! podinfo.test']);
  });

  it('abort and promote commands act once', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.step();
    w.canary.metadata.annotations = { 'sluice.dev/abort': 'alice@t1' };
    w.reconcile();
    expect(w.status.phase).to.equal('Failed');
    expect(w.events).to.include('Rolling back podinfo.test aborted by alice@t1');
    w.setImage('podinfo:6.0.2');
    w.reconcile();
    w.canary.metadata.annotations = { 'sluice.dev/abort': 'alice@t1', 'sluice.dev/promote': 'bob@t2' };
    w.reconcile();
    expect(w.status.phase).to.equal('Succeeded');
    expect(w.primaryImage).to.equal('podinfo:6.0.2');
  });
});

describe('rollout engine: A/B, Blue/Green, mirroring', () => {
  it('A/B: matched traffic to the canary for N iterations, then promotion', () => {
    const w = initialized(
      new World(
        osmCanary((c) => {
          c.spec.provider = 'istio';
          const a = c.spec.analysis!;
          delete a.stepWeight;
          delete a.maxWeight;
          a.iterations = 10;
          a.match = [{ headers: { 'x-canary': { exact: 'insider' } } }];
        }),
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.step();
    expect(w.routes.at(-1)).to.deep.equal({ primary: 0, canary: 100, mirror: false });
    w.runUntil(['Succeeded']);
    const iters = w.events.filter((e) => e.includes('iteration'));
    expect(iters[0]).to.equal('Advance podinfo.test canary iteration 1/10');
    expect(iters.at(-1)).to.equal('Advance podinfo.test canary iteration 10/10');
    expect(w.routes.at(-1)).to.deep.equal({ primary: 100, canary: 0, mirror: false });
  });

  it('Blue/Green: iterations on the primary, then all traffic to the canary, then promotion', () => {
    const w = initialized(
      new World(
        osmCanary((c) => {
          c.spec.provider = 'istio';
          const a = c.spec.analysis!;
          delete a.stepWeight;
          delete a.maxWeight;
          a.iterations = 3;
        }),
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Succeeded']);
    expect(w.events).to.include.members(['Advance podinfo.test canary iteration 3/3', 'Routing all traffic to canary']);
    expect(w.routes).to.deep.include({ primary: 0, canary: 100, mirror: false });
  });

  it('the kubernetes provider runs Blue/Green without routing to the canary', () => {
    const w = initialized(
      new World(
        osmCanary((c) => {
          c.spec.provider = 'kubernetes';
          delete c.spec.analysis!.stepWeight;
          delete c.spec.analysis!.maxWeight;
        }),
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Succeeded']);
    expect(w.events.filter((e) => e.includes('iteration')).at(-1)).to.equal('Advance podinfo.test canary iteration 10/10');
    expect(w.events).to.not.include('Routing all traffic to canary');
  });

  it('mirroring: the first step mirrors at 100/0, then weights shift', () => {
    const w = initialized(
      new World(
        osmCanary((c) => {
          c.spec.provider = 'istio';
          c.spec.analysis!.mirror = true;
        }),
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.step();
    expect(w.routes.at(-1)).to.deep.equal({ primary: 100, canary: 0, mirror: true });
    w.step();
    expect(w.routes.at(-1)).to.deep.equal({ primary: 95, canary: 5, mirror: false });
  });

  it('routesFor derives the split from the status alone', () => {
    expect(routesFor({ phase: 'Progressing', canaryWeight: 30 }, 'canary')).to.deep.equal({ primary: 70, canary: 30, mirror: false });
    expect(routesFor({ phase: 'Failed', canaryWeight: 30 }, 'canary')).to.deep.equal({ primary: 100, canary: 0, mirror: false });
    expect(routesFor({ phase: 'Progressing', iterations: 2 }, 'ab-testing')).to.deep.equal({ primary: 0, canary: 100, mirror: false });
  });
});
