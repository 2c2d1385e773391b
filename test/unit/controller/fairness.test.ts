// One Canary's slow endpoint never holds the reconcile workers the others need (issue #17):
// gates, post-rollout hooks, event webhooks and alerts run in each Canary's own lane.
import { expect } from 'chai';
import { pino } from 'pino';
import { CanaryController } from '../../../src/controller/controller.js';
import { CanaryLanes } from '../../../src/controller/canary-lanes.js';
import { GateSessions } from '../../../src/controller/gate-sessions.js';
import type { Canary } from '../../../src/api/types.js';
import type { GateResult } from '../../../src/rollout/decision.js';
import type { KubeClient, KubeObject, ResourceType, WatchedCache } from '../../../src/kube/index.js';
import { FakeCache, statusWrites } from './fake-cache.js';

const silent = pino({ level: 'silent' });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const open: GateResult = { open: true, events: [] };

/** A promise the test settles when it wants. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function deployment(name: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'test', generation: 1, resourceVersion: '1' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
  } as KubeObject;
}

/** Canaries whose primaries are ready: each needs only its metric-providers gate to be Initialized. */
function world(names: string[], checkMetricProviders: (name: string) => Promise<void>) {
  const caches = new Map<string, FakeCache<KubeObject>>();
  const cache = (plural: string) => {
    if (!caches.has(plural)) caches.set(plural, new FakeCache());
    return caches.get(plural)!;
  };
  const canaries = () => cache('canaries') as unknown as FakeCache<Canary & KubeObject>;
  let rv = 1;
  for (const name of names) {
    cache('deployments').put(deployment(name));
    cache('deployments').put(deployment(`${name}-primary`));
  }
  const client = {
    createEvent: async () => ({}),
    patchStatus: statusWrites(canaries, () => String(++rv)),
    mergePatch: async () => ({}),
    serverSideApply: async () => [],
    getIfExists: async () => undefined,
    list: async () => ({ items: [] }),
  } as unknown as KubeClient;
  const controller = new CanaryController({
    client,
    synthesize: () => [],
    gates: {
      callHook: async () => ({ ok: true, status: 200, body: '' }),
      runMetrics: async () => [],
      checkMetricProviders: (r) => checkMetricProviders(r.name),
      now: Date.now,
    },
    operator: { provider: 'kubernetes' } as never,
    log: silent,
    // One worker: with gates on the workers, the first Canary's hung gate would hold it.
    concurrency: 1,
    informer: <T extends KubeObject>(type: ResourceType) => cache(type.plural) as unknown as WatchedCache<T>,
  });
  const phaseOf = (name: string) => canaries().get(name, 'test')?.status?.phase ?? '';
  return {
    controller,
    phaseOf,
    start: async () => {
      for (const name of names) {
        canaries().put({
          apiVersion: 'flagger.app/v1beta1',
          kind: 'Canary',
          metadata: { name, namespace: 'test', uid: name, generation: 1, resourceVersion: String(++rv), finalizers: [] },
          spec: {
            provider: 'kubernetes',
            targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
            service: { port: 9898 },
            analysis: { interval: '10s', threshold: 2, iterations: 2 },
          },
        } as unknown as Canary & KubeObject);
      }
      await controller.start();
    },
  };
}

async function until(check: () => boolean, what: string, withinMs = 5_000): Promise<void> {
  for (let waited = 0; waited < withinMs; waited += 10) {
    if (check()) return;
    await tick(10);
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('fairness: a Canary whose endpoint hangs', () => {
  it('does not hold the only reconcile worker: the other Canaries initialize meanwhile, and it does once the endpoint answers', async () => {
    const hung = deferred();
    const w = world(['slow', 'a', 'b'], (name) => (name === 'slow' ? hung.promise : Promise.resolve()));
    await w.start();
    try {
      await until(() => w.phaseOf('a') === 'Initialized' && w.phaseOf('b') === 'Initialized', 'a and b are Initialized');
      expect(w.phaseOf('slow')).to.equal('');
      hung.resolve();
      await until(() => w.phaseOf('slow') === 'Initialized', 'slow is Initialized');
    } finally {
      hung.resolve();
      await w.controller.stop();
    }
  });
});

describe('fairness: the lanes', () => {
  it("run one Canary's tasks in order, one at a time, while another Canary's run beside them", async () => {
    const lanes = new CanaryLanes(() => {});
    const done: string[] = [];
    const first = deferred();
    lanes.run('x', async () => {
      await first.promise;
      done.push('x1');
    });
    lanes.run('x', async () => {
      done.push('x2');
    });
    lanes.run('y', async () => {
      done.push('y1');
    });
    await tick();
    expect(done).to.deep.equal(['y1']);
    first.resolve();
    await tick();
    expect(done).to.deep.equal(['y1', 'x1', 'x2']);
    expect(lanes.busy).to.equal(0);
  });

  it('report a failed task and go on with the next', async () => {
    const failures: string[] = [];
    const lanes = new CanaryLanes((key, err) => failures.push(`${key}: ${(err as Error).message}`));
    const done: string[] = [];
    lanes.run('x', async () => {
      throw new Error('refused');
    });
    lanes.run('x', async () => {
      done.push('x2');
    });
    await tick();
    expect(failures).to.deep.equal(['x: refused']);
    expect(done).to.deep.equal(['x2']);
  });

  it('drain waits for tasks in flight, but no longer than it is given', async () => {
    const lanes = new CanaryLanes(() => {});
    const never = deferred();
    let finished = false;
    lanes.run('quick', async () => {
      await tick(20);
      finished = true;
    });
    lanes.run('stuck', () => never.promise);
    await lanes.drain(200);
    expect(finished).to.equal(true);
    expect(lanes.busy).to.equal(1);
    never.resolve();
  });
});

describe('fairness: gate sessions', () => {
  const setup = () => {
    const woken: string[] = [];
    const sessions = new GateSessions(new CanaryLanes(() => {}), (key) => woken.push(key));
    return { sessions, woken };
  };

  it("keep a gate's result for the version it was run for, and wake the Canary when it ends", async () => {
    const { sessions, woken } = setup();
    expect(sessions.state('k', 'v1')).to.deep.equal({ kind: 'ready', results: {} });
    sessions.start('k', 'pre-rollout', async () => open);
    expect(sessions.state('k', 'v1')).to.deep.equal({ kind: 'waiting' });
    await tick();
    expect(woken).to.deep.equal(['k']);
    expect(sessions.state('k', 'v1')).to.deep.equal({ kind: 'ready', results: { 'pre-rollout': open } });
  });

  it('never hand a result to another version of the Canary', async () => {
    const { sessions } = setup();
    sessions.state('k', 'v1');
    sessions.start('k', 'analysis', async () => open);
    await tick();
    expect(sessions.state('k', 'v2')).to.deep.equal({ kind: 'ready', results: {} });
  });

  it('make a Canary wait while a gate of an older version is still in flight (never two at once)', async () => {
    const { sessions } = setup();
    const slow = deferred<GateResult>();
    sessions.state('k', 'v1');
    sessions.start('k', 'analysis', () => slow.promise);
    expect(sessions.state('k', 'v2')).to.deep.equal({ kind: 'waiting' });
    slow.resolve(open);
    await tick();
    expect(sessions.state('k', 'v2')).to.deep.equal({ kind: 'ready', results: {} });
  });

  it('are asked afresh after the reconcile that used them', async () => {
    const { sessions } = setup();
    sessions.state('k', 'v1');
    sessions.start('k', 'rollback', async () => open);
    await tick();
    sessions.finish('k');
    expect(sessions.state('k', 'v1')).to.deep.equal({ kind: 'ready', results: {} });
  });

  it('rethrow what a gate threw, once', async () => {
    const { sessions } = setup();
    sessions.state('k', 'v1');
    sessions.start('k', 'analysis', async () => {
      throw new Error('prometheus: 503');
    });
    await tick();
    expect(() => sessions.state('k', 'v1')).to.throw('prometheus: 503');
    expect(sessions.state('k', 'v1')).to.deep.equal({ kind: 'ready', results: {} });
  });

  it('refuse the same gate twice in one session (a decide() that loops)', () => {
    const { sessions } = setup();
    sessions.state('k', 'v1');
    sessions.start('k', 'analysis', async () => open);
    return tick().then(() => {
      sessions.state('k', 'v1');
      expect(() => sessions.start('k', 'analysis', async () => open)).to.throw('asked twice');
    });
  });
});
