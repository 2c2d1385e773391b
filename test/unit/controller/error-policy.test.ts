// One error policy (issue #17): a Result schedules the next look, a failure backs off per key
// (1 s doubling to 5 min, jittered, reset by a success), a TerminalError is reported once and
// never retried on a timer.
import { expect } from 'chai';
import { pino } from 'pino';
import { Backoff } from '../../../src/controller/backoff.js';
import { ReconcileHandler } from '../../../src/controller/reconcile-handler.js';
import { TerminalError, requeueAfter, DONE, type Result } from '../../../src/controller/result.js';
import { CanaryController } from '../../../src/controller/controller.js';
import { SynthError } from '../../../src/synth/errors.js';
import type { Canary } from '../../../src/api/types.js';
import type { KubeObject, ResourceType, WatchedCache } from '../../../src/kube/index.js';
import { FakeCache, statusWrites } from './fake-cache.js';
import type { KubeClient } from '../../../src/kube/index.js';
import { KubeError } from '../../../src/kube/errors.js';
import type { Logger } from '../../../src/log.js';

const silent = pino({ level: 'silent' });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** A queue that only records what the handler asks of it. */
class RecordingQueue {
  delays: number[] = [];
  addAfter(_key: string, ms: number): void {
    this.delays.push(ms);
  }
}

describe('error policy: the reconcile handler', () => {
  it('retries a reconcile that keeps throwing with doubling delays up to the 5 min cap, and starts over after a success', async () => {
    let fail = true;
    const queue = new RecordingQueue();
    const handler = new ReconcileHandler(
      async () => {
        if (fail) throw new Error('apiserver says no');
        return DONE;
      },
      queue,
      { log: silent, backoff: new Backoff({ random: () => 0 }) },
    );
    for (let i = 0; i < 11; i++) await handler.handle('test/podinfo');
    expect(queue.delays).to.deep.equal([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000]);
    fail = false;
    await handler.handle('test/podinfo');
    expect(queue.delays).to.have.length(11); // done: no timer
    fail = true;
    await handler.handle('test/podinfo');
    expect(queue.delays.at(-1)).to.equal(1000);
  });

  it('keeps one backoff per key', async () => {
    const queue = new RecordingQueue();
    const handler = new ReconcileHandler(
      async () => {
        throw new Error('no');
      },
      queue,
      { log: silent, backoff: new Backoff({ random: () => 0 }) },
    );
    await handler.handle('a');
    await handler.handle('a');
    await handler.handle('b');
    expect(queue.delays).to.deep.equal([1000, 2000, 1000]);
  });

  it('jitters a retry down by at most 10 %, never above the cap', () => {
    const high = new Backoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 12 }, () => high.next('k'));
    expect(delays[0]).to.be.within(900, 1000);
    expect(delays.at(-1)).to.be.within(270_000, 300_000);
  });

  it('requeues after what the reconcile asked, with up to 10 % more on long waits only', async () => {
    const queue = new RecordingQueue();
    let next: Result = requeueAfter(5_000);
    const handler = new ReconcileHandler(async () => next, queue, { log: silent, random: () => 0.5 });
    await handler.handle('k');
    next = requeueAfter(600_000);
    await handler.handle('k');
    expect(queue.delays).to.deep.equal([5_000, 630_000]);
  });

  it('reports a TerminalError once and schedules nothing; a failing report is retried with backoff', async () => {
    const queue = new RecordingQueue();
    const reported: string[] = [];
    let reportFails = false;
    const handler = new ReconcileHandler(
      async () => {
        throw new TerminalError('InvalidSpec', 'spec.x: bad');
      },
      queue,
      {
        log: silent,
        backoff: new Backoff({ random: () => 0 }),
        onTerminal: async (_key, err) => {
          if (reportFails) throw new Error('events forbidden');
          reported.push(`${err.reason}: ${err.message}`);
        },
      },
    );
    await handler.handle('k');
    expect(reported).to.deep.equal(['InvalidSpec: spec.x: bad']);
    expect(queue.delays).to.deep.equal([]);
    reportFails = true;
    await handler.handle('k');
    expect(queue.delays).to.deep.equal([1000]);
  });

  it('logs a failure as { err } with its stack, not as a string', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { level: 'info' },
      {
        write: (l: string) => {
          lines.push(JSON.parse(l));
        },
      },
    );
    const handler = new ReconcileHandler(
      async () => {
        throw new Error('boom');
      },
      new RecordingQueue(),
      { log },
    );
    await handler.handle('k');
    const err = lines[0]?.err as { message?: string; stack?: string } | undefined;
    expect(err?.message).to.equal('boom');
    expect(err?.stack).to.contain('error-policy.test');
  });
});

function stalledWorld(options: { log?: Logger; conflicts?: number } = {}) {
  const caches = new Map<string, FakeCache<KubeObject>>();
  const cache = (plural: string) => {
    if (!caches.has(plural)) caches.set(plural, new FakeCache());
    return caches.get(plural)!;
  };
  const canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: 'u1', generation: 1, resourceVersion: '1' },
    spec: {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '10s', threshold: 2, iterations: 2 },
    },
  } as unknown as Canary & KubeObject;
  cache('deployments').put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'podinfo', namespace: 'test', generation: 1, resourceVersion: '1' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'podinfo' } },
      template: { metadata: { labels: { app: 'podinfo' } }, spec: { containers: [{ name: 'podinfo', image: 'podinfo:1' }] } },
    },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
  });
  const events: { type: string; message: string }[] = [];
  let rv = 1;
  let synthCalls = 0;
  let synthFails = true;
  let conflicts = options.conflicts ?? 0;
  const canaries = () => cache('canaries') as unknown as FakeCache<Canary & KubeObject>;
  const writeStatus = statusWrites(canaries, () => String(++rv));
  const client = {
    createEvent: async (_i: unknown, type: string, _r: string, message: string) => {
      events.push({ type, message });
      return {};
    },
    patchStatus: async (t: unknown, name: string, ns: string, body: { status: Record<string, unknown> }) => {
      // Someone wrote the Canary since the cache saw it (our own status write, not yet delivered).
      if (conflicts-- > 0) throw new KubeError(409, 'Conflict', 'the object has been modified', `PATCH canaries/${name}/status`);
      return writeStatus(t, name, ns, body);
    },
    mergePatch: async () => ({}),
    serverSideApply: async () => [],
    getIfExists: async () => undefined,
    list: async () => ({ items: [] }),
  } as unknown as KubeClient;
  const controller = new CanaryController({
    client,
    synthesize: () => {
      synthCalls++;
      if (synthFails) throw new SynthError('canary/router', 'spec.analysis.match[0].headers.x.suffix', 'Istio has no suffix match; use regex');
      return [];
    },
    gates: { callHook: async () => ({ ok: true, status: 200, body: '' }), runMetrics: async () => [], checkMetricProviders: async () => {}, now: Date.now },
    operator: { provider: 'kubernetes' } as never,
    log: options.log ?? silent,
    informer: <T extends KubeObject>(type: ResourceType) => cache(type.plural) as unknown as WatchedCache<T>,
  });
  return {
    controller,
    events,
    canaries,
    synthCalls: () => synthCalls,
    fixSynthesis: () => {
      synthFails = false;
    },
    start: async () => {
      canaries().put(canary);
      await controller.start();
    },
    /** Someone edits the spec: the generation moves on. */
    editSpec: () => {
      const c = canaries().get('podinfo', 'test')!;
      canaries().put({ ...c, metadata: { ...c.metadata, generation: (c.metadata.generation ?? 0) + 1, resourceVersion: String(++rv) } });
    },
    touchStatus: () => {
      const c = canaries().get('podinfo', 'test')!;
      canaries().put({ ...c, metadata: { ...c.metadata, resourceVersion: String(++rv) } });
    },
  };
}

describe('error policy: a terminal SynthError in the controller', () => {
  it('makes exactly one Warning Event and the Stalled condition, and no reconcile until the generation changes', async () => {
    const world = stalledWorld();
    await world.start();
    await tick(100);
    expect(world.events.filter((e) => e.type === 'Warning').map((e) => e.message)).to.deep.equal([
      '[canary/router] spec.analysis.match[0].headers.x.suffix: Istio has no suffix match; use regex',
    ]);
    const stalled = world
      .canaries()
      .get('podinfo', 'test')!
      .status?.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled).to.include({ status: 'True', reason: 'InvalidSpec' });
    expect(stalled?.message).to.contain('Istio has no suffix match');
    expect(world.synthCalls()).to.equal(1);

    // Updates at the same generation (a status write, a label) do not bring it back; time does not either.
    world.touchStatus();
    await tick(2_200);
    expect(world.synthCalls()).to.equal(1);
    expect(world.events.filter((e) => e.type === 'Warning')).to.have.length(1);

    // A new generation is looked at; the same error again makes no second Event.
    world.editSpec();
    await tick(50);
    expect(world.synthCalls()).to.equal(2);
    expect(world.events.filter((e) => e.type === 'Warning')).to.have.length(1);

    // Fixed: the condition goes away.
    world.fixSynthesis();
    world.editSpec();
    await tick(50);
    expect(world.synthCalls()).to.be.at.least(3);
    expect(
      world
        .canaries()
        .get('podinfo', 'test')!
        .status?.conditions?.find((c) => c.type === 'Stalled'),
    ).to.equal(undefined);
    await world.controller.stop();
  });
});

describe('error policy: a conflict while recording a stall', () => {
  it('is requeued after 200 ms like any status write conflict: no error logged, one Event, the condition written', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino(
      { level: 'debug' },
      {
        write: (l: string) => {
          lines.push(JSON.parse(l));
        },
      },
    );
    const world = stalledWorld({ log, conflicts: 1 });
    await world.start();
    await tick(400);
    const stalled = world
      .canaries()
      .get('podinfo', 'test')!
      .status?.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled).to.include({ status: 'True', reason: 'InvalidSpec' });
    expect(world.events.filter((e) => e.type === 'Warning')).to.have.length(1);
    expect(
      lines.filter((l) => l.level >= 50).map((l) => l.msg),
      'error lines',
    ).to.deep.equal([]);
    await world.controller.stop();
  });
});

describe('error policy: what validation and the writers refuse or cap', () => {
  it('validation refuses an Istio suffix match that synthesis cannot build, naming the field', async () => {
    const { validateCanary } = await import('../../../src/api/validate.js');
    const { formatProblem } = await import('../../../src/api/problem.js');
    const canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: {
        provider: 'istio',
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
        service: { port: 9898 },
        analysis: { interval: '10s', threshold: 2, iterations: 2, match: [{ headers: { 'x-user': { suffix: '@example.com' } } }] },
      },
    };
    expect(validateCanary(canary).map(formatProblem).join('; ')).to.contain('spec.analysis.match[0].headers.x-user.suffix');
    // Contour writes a header suffix (as "contains"): the rule is the provider's, not the schema's.
    expect(validateCanary({ ...canary, spec: { ...canary.spec, provider: 'contour' } }).map(formatProblem)).to.deep.equal([]);
  });

  it('caps every message that reaches the status', async () => {
    const { statusPatch } = await import('../../../src/controller/status-patch.js');
    const { MAX_MESSAGE_CHARS } = await import('../../../src/api/message.js');
    const huge = 'x'.repeat(2_000_000);
    const patch = statusPatch(
      {},
      {
        conditions: [{ type: 'Promoted', status: 'False', reason: 'Failed', message: huge }],
        metrics: [{ name: 'm', result: 'error', message: huge, checkedAt: '2026-01-01T00:00:00Z' }],
        pendingEvents: { at: '2026-01-01T00:00:00Z', events: [{ type: 'Warning', message: huge }] },
      },
    ) as { conditions: { message: string }[]; metrics: { message: string }[]; pendingEvents: { events: { message: string }[] } };
    expect(patch.conditions[0].message.length).to.be.at.most(MAX_MESSAGE_CHARS);
    expect(patch.metrics[0].message.length).to.be.at.most(MAX_MESSAGE_CHARS);
    expect(patch.pendingEvents.events[0].message.length).to.be.at.most(MAX_MESSAGE_CHARS);
  });

  it('findByTarget matches the target kind, not only its name', async () => {
    const world = stalledWorld();
    await world.start();
    const c = world.canaries().get('podinfo', 'test')!;
    expect(world.controller.findByTarget('test', 'podinfo')?.metadata.name).to.equal('podinfo');
    world.canaries().items.clear();
    world.canaries().items.set('test/ds', {
      ...c,
      metadata: { ...c.metadata, name: 'ds' },
      spec: { ...c.spec, targetRef: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'podinfo' } },
    });
    expect(world.controller.findByTarget('test', 'podinfo')).to.equal(undefined);
    await world.controller.stop();
  });
});
