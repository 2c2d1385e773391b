// The status outbox of Events (status.pendingEvents): it holds only what has not been recorded,
// so a restarted operator, or one that finds the Events expired, never records them again.
import { expect } from 'chai';
import { pino } from 'pino';
import { execute, recoverPendingEvents, CanaryGoneError, type ExecutorDeps, type SynthesisInputs } from '../../../src/controller/executor.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary, CanaryStatus } from '../../../src/api/types.js';
import type { Decision } from '../../../src/rollout/decision.js';
import { KubeError } from '../../../src/kube/errors.js';

/** An apiserver of one Canary and its Events, enough for the executor. */
class FakeCluster {
  canary: Canary;
  events = new Map<string, { message: string; lastTimestamp: string }>();
  recorded: string[] = [];
  statusPatches: Record<string, unknown>[] = [];
  hookCalls: string[] = [];
  private rv = 1;

  constructor(status: CanaryStatus = {}) {
    this.canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'podinfo', namespace: 'test', uid: 'u1', resourceVersion: String(this.rv) },
      spec: {
        provider: 'osm',
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
        service: { port: 9898 },
        analysis: { interval: '10s', webhooks: [{ name: 'events', type: 'event', url: 'http://hooks.test/' }] },
      },
      status,
    } as Canary;
  }

  /** Someone else changes the Canary (a spec edit): its resourceVersion moves on. */
  touch(): void {
    this.canary = { ...this.canary, metadata: { ...this.canary.metadata, resourceVersion: String(++this.rv) } };
  }

  readonly client = {
    patchStatus: async (_type: unknown, _name: string, _ns: string, body: { metadata: { resourceVersion?: string }; status: Record<string, unknown> }) => {
      if (body.metadata.resourceVersion !== this.canary.metadata.resourceVersion) throw new KubeError(409, 'Conflict', 'conflict', 'PATCH');
      this.statusPatches.push(body.status);
      const status: Record<string, unknown> = { ...this.canary.status };
      for (const [k, v] of Object.entries(body.status)) {
        if (v === null) delete status[k];
        else status[k] = v;
      }
      this.canary = { ...this.canary, metadata: { ...this.canary.metadata, resourceVersion: String(++this.rv) }, status: status as CanaryStatus };
      return structuredClone(this.canary);
    },
    createEvent: async (_involved: unknown, _type: string, _reason: string, message: string, now: Date) => {
      this.recorded.push(message);
      this.events.set(message, { message, lastTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') });
      return {};
    },
    getIfExists: async () => undefined,
    serverSideApply: async () => [],
    mergePatch: async () => ({}),
  };

  deps(now = Date.parse('2026-01-01T00:00:00Z')): ExecutorDeps {
    return {
      client: this.client as unknown as ExecutorDeps['client'],
      synthesize: () => [],
      live: () => undefined,
      gates: {
        callHook: async (call) => {
          this.hookCalls.push((call.body as { metadata?: { eventMessage?: string } }).metadata?.eventMessage ?? '');
          return { ok: true, status: 200, body: '' };
        },
        runMetrics: async () => [],
        now: () => now,
      },
      log: pino({ level: 'silent' }),
      memo: new Map(),
      reapplyEveryMs: 300_000,
      now: () => now,
    };
  }

  inputs(): SynthesisInputs {
    return { canary: this.canary, resolved: resolveCanary(this.canary) };
  }
}

const decision = (status: CanaryStatus, events: string[] = []): Decision => ({
  status,
  events: events.map((message) => ({ type: 'Normal', message })),
  alerts: [],
  requeueAfterMs: 1000,
});

describe('controller: the Events outbox in the status', () => {
  it('is emptied by a second conditional write once its Events are recorded', async () => {
    const cluster = new FakeCluster({ phase: 'Initializing' });
    const written = await execute(decision({ phase: 'Initialized' }, ['Initialization done! podinfo.test']), cluster.inputs(), cluster.deps());
    expect(cluster.recorded).to.deep.equal(['Initialization done! podinfo.test']);
    expect(cluster.statusPatches).to.have.length(2);
    expect(cluster.statusPatches[0]).to.have.property('pendingEvents');
    expect(cluster.statusPatches[1]).to.deep.equal({ pendingEvents: null });
    expect(cluster.canary.status).to.not.have.property('pendingEvents');
    expect(written?.canary.metadata.resourceVersion).to.equal(cluster.canary.metadata.resourceVersion);
    expect(written?.superseded).to.deep.equal(['1', '2']);
  });

  it('after a restart with the Events gone (expired or deleted), records nothing again and calls no event webhook', async () => {
    const cluster = new FakeCluster({ phase: 'Initializing' });
    await execute(decision({ phase: 'Initialized' }, ['Initialization done! podinfo.test']), cluster.inputs(), cluster.deps());
    cluster.events.clear();
    cluster.recorded = [];
    cluster.hookCalls = [];
    const restarted = cluster.deps(Date.parse('2026-01-01T02:00:00Z'));
    expect(await recoverPendingEvents(cluster.canary, resolveCanary(cluster.canary), restarted)).to.equal(0);
    expect(cluster.recorded).to.deep.equal([]);
    expect(cluster.hookCalls).to.deep.equal([]);
  });

  it('an outbox left behind (the clearing write lost a race) is emptied by the next reconcile, without recording again', async () => {
    const cluster = new FakeCluster({ phase: 'Initializing' });
    const deps = cluster.deps();
    // The clearing write conflicts: someone changed the Canary right after the first write.
    const patchStatus = cluster.client.patchStatus;
    let writes = 0;
    cluster.client.patchStatus = async (...args) => {
      if (++writes === 2) cluster.touch();
      return patchStatus(...args);
    };
    await execute(decision({ phase: 'Initialized' }, ['Initialization done! podinfo.test']), cluster.inputs(), deps);
    expect(cluster.canary.status?.pendingEvents?.events).to.have.length(1);
    cluster.client.patchStatus = patchStatus;
    cluster.recorded = [];
    // The next reconcile decides "nothing changed": its status still carries the outbox it read.
    await execute(decision({ ...cluster.canary.status }), cluster.inputs(), deps);
    expect(cluster.canary.status).to.not.have.property('pendingEvents');
    expect(cluster.statusPatches.at(-1)).to.deep.equal({ pendingEvents: null });
    expect(cluster.recorded).to.deep.equal([]);
  });

  it('a decision that changes nothing writes nothing', async () => {
    const cluster = new FakeCluster({ phase: 'Initialized', canaryWeight: 0 });
    expect(await execute(decision({ phase: 'Initialized', canaryWeight: 0 }), cluster.inputs(), cluster.deps())).to.equal(undefined);
    expect(cluster.statusPatches).to.deep.equal([]);
  });

  it('Events a previous process wrote to the outbox but never recorded are recorded at start', async () => {
    const cluster = new FakeCluster({
      phase: 'Initialized',
      pendingEvents: { at: '2026-01-01T00:00:00.000Z', events: [{ type: 'Normal', message: 'Initialization done! podinfo.test' }] },
    });
    expect(await recoverPendingEvents(cluster.canary, resolveCanary(cluster.canary), cluster.deps())).to.equal(1);
    expect(cluster.recorded).to.deep.equal(['Initialization done! podinfo.test']);
  });

  it('a status write to a Canary deleted meanwhile says so (CanaryGoneError), which the controller does not count as a failure', async () => {
    const cluster = new FakeCluster({ phase: 'Initializing' });
    cluster.client.patchStatus = async () => {
      throw new KubeError(404, 'NotFound', 'canaries.flagger.app "podinfo" not found', 'PATCH');
    };
    let err: unknown;
    await execute(decision({ phase: 'Initialized' }, ['Initialization done! podinfo.test']), cluster.inputs(), cluster.deps()).catch((e: unknown) => {
      err = e;
    });
    expect(err).to.be.instanceOf(CanaryGoneError);
    expect((err as Error).message).to.equal('canary test/podinfo was deleted meanwhile');
    expect(cluster.recorded, 'no Event about a Canary that is gone').to.deep.equal([]);
  });
});
