// Status fields and Events as Flagger writes them (issue #14): zero failed checks once Failed,
// the metric providers' check at initialization, readiness waits as Warnings, and status times
// in whole seconds.
import { expect } from 'chai';
import { World, osmCanary, pass, fail } from './world.js';
import type { DeploymentLike } from '../../../src/rollout/readiness.js';

const available = 'all the metrics providers are available!';

const notReady = (name: string): DeploymentLike => ({
  metadata: { name, namespace: 'test', generation: 2 },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'podinfod', image: 'podinfo:6.0.0' }] } } },
  status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
});

function initialized(world: World): World {
  world.reconcile();
  world.reconcile();
  expect(world.status.phase).to.equal('Initialized');
  return world;
}

describe('rollout engine: status and Events as Flagger', () => {
  it('reports the metric providers once, right before "Initialization done!"', () => {
    const w = new World(osmCanary(), { 'metric-providers': () => pass([available]) });
    w.reconcile();
    w.reconcile();
    expect(w.events).to.deep.equal([available, 'Initialization done! podinfo.test']);
    expect(w.gateCalls.filter((g) => g === 'metric-providers')).to.have.length(1);
  });

  it('a metric provider that cannot be used is reported, and initialization goes on', () => {
    const problem = 'Error checking metric providers: prometheus not available: connection refused';
    const w = new World(osmCanary(), { 'metric-providers': () => ({ open: true, events: [{ type: 'Warning', message: problem }] }) });
    w.reconcile();
    const d = w.reconcile();
    expect(d.events.map((e) => [e.type, e.message])).to.deep.equal([
      ['Warning', problem],
      ['Normal', 'Initialization done! podinfo.test'],
    ]);
    expect(w.status.phase).to.equal('Initialized');
  });

  it('without analysis (skipAnalysis) there are no providers to check', () => {
    const w = new World(
      osmCanary((c) => (c.spec.skipAnalysis = true)),
      { 'metric-providers': () => pass([available]) },
    );
    w.reconcile();
    w.reconcile();
    expect(w.gateCalls).to.not.include('metric-providers');
    expect(w.events).to.deep.equal(['Initialization done! podinfo.test']);
  });

  it('"<primary> not ready: waiting for rollout to finish" is a Warning', () => {
    const w = new World(osmCanary());
    w.reconcile();
    w.primary = notReady('podinfo-primary');
    const d = w.reconcile();
    expect(d.events.map((e) => [e.type, e.message])).to.deep.equal([
      ['Warning', 'podinfo-primary.test not ready: waiting for rollout to finish: observed deployment generation less than desired generation'],
    ]);
  });

  it('"canary deployment <target> not ready" is a Warning', () => {
    const w = initialized(new World(osmCanary()));
    w.setImage('podinfo:6.0.1');
    w.targetReady = false;
    w.reconcile();
    const d = w.step();
    expect(d.events.map((e) => e.type)).to.deep.equal(['Warning']);
    expect(d.events[0].message).to.match(/^canary deployment podinfo\.test not ready: /);
  });

  it("Failed resets failedChecks and iterations to 0, as Flagger's rollback does", () => {
    const w = initialized(
      new World(
        osmCanary((c) => (c.spec.analysis!.threshold = 2)),
        {
          analysis: () => fail('Halt podinfo.test advancement success rate 50.00% < 99%'),
        },
      ),
    );
    w.setImage('podinfo:6.0.1');
    w.reconcile();
    w.runUntil(['Failed']);
    expect(w.events).to.include('Rolling back podinfo.test failed checks threshold reached 2');
    expect(w.status).to.include({ phase: 'Failed', failedChecks: 0, iterations: 0, canaryWeight: 0 });
  });

  it('status times carry no milliseconds (lastTransitionTime, the Promoted condition)', () => {
    const w = new World(osmCanary());
    w.now += 1234;
    w.reconcile();
    w.reconcile();
    const { lastTransitionTime, conditions } = w.status;
    expect(lastTransitionTime).to.equal('2026-01-01T00:00:01Z');
    expect(conditions?.[0]).to.include({ lastUpdateTime: '2026-01-01T00:00:01Z', lastTransitionTime: '2026-01-01T00:00:01Z' });
  });
});
