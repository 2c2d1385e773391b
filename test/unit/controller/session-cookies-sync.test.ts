// The executor synthesizes a step's routes with the session cookies of the status it is about to
// write, not those of the stored one: the first step that sends traffic to the canary already
// hands out the cookie its status records.
import { expect } from 'chai';
import { pino } from 'pino';
import { execute, type ExecutorDeps, type SynthesisInputs } from '../../../src/controller/executor.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary, CanaryStatus } from '../../../src/api/types.js';
import type { Decision } from '../../../src/rollout/decision.js';

const canary: Canary = {
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test', uid: 'u1', resourceVersion: '1' },
  spec: {
    provider: 'istio',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 9898 },
    analysis: { interval: '10s', stepWeight: 10, sessionAffinity: { cookieName: 'canary-cookie' } },
  },
  status: { phase: 'Progressing', canaryWeight: 0, previousSessionAffinityCookie: 'canary-cookie=OLD', lastAppliedSpec: 'rev-1' },
};

describe('controller: session cookies reach synthesis with the step that sets them', () => {
  it("passes the decision's cookies to synthesis, and writes them to the status", async () => {
    const seen: (CanaryStatus | undefined)[] = [];
    const patches: Record<string, unknown>[] = [];
    const client = {
      patchStatus: async (_t: unknown, _n: string, _ns: string, body: { status: Record<string, unknown> }) => {
        patches.push(body.status);
        return { ...canary, metadata: { ...canary.metadata, resourceVersion: '2' } };
      },
      createEvent: async () => ({}),
      serverSideApply: async () => [],
      mergePatch: async () => ({}),
    };
    const deps: ExecutorDeps = {
      client: client as unknown as ExecutorDeps['client'],
      synthesize: (inputs) => {
        seen.push(inputs.canary.status);
        return [];
      },
      live: () => undefined,
      gates: { callHook: async () => ({ ok: true, status: 200, body: '' }), runMetrics: async () => [], now: () => 0 },
      log: pino({ level: 'silent' }),
      memo: new Map(),
      reapplyEveryMs: 300_000,
      now: () => 0,
    };
    const next: CanaryStatus = {
      ...canary.status,
      canaryWeight: 10,
      sessionAffinityCookie: 'canary-cookie=NEW',
      previousSessionAffinityCookie: 'canary-cookie=OLD',
    };
    const decision: Decision = {
      status: next,
      sync: { weights: { primary: 90, canary: 10, mirror: false }, primaryFromTarget: false },
      events: [],
      alerts: [],
      requeueAfterMs: 1000,
    };
    const inputs: SynthesisInputs = {
      canary,
      resolved: resolveCanary(canary),
      target: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'podinfo', namespace: 'test' } },
    };
    await execute(decision, inputs, deps);
    expect(seen).to.have.length(1);
    expect(seen[0]).to.include({
      sessionAffinityCookie: 'canary-cookie=NEW',
      previousSessionAffinityCookie: 'canary-cookie=OLD',
      lastAppliedSpec: 'rev-1',
      canaryWeight: 0,
    });
    expect(patches[0]).to.include({ sessionAffinityCookie: 'canary-cookie=NEW', canaryWeight: 10 });
  });
});
