// Flagger's -event-webhook (EVENT_WEBHOOK_URL): every Event of a Canary without an `event` webhook
// of its own is POSTed to the operator's URL with an event webhook's payload, from the Canary's
// lane (never holding the reconcile), through the bounded exchange. A real local HTTP server
// receives it.
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { execute, eventHooksOf, type ExecutorDeps } from '../../../src/controller/executor.js';
import { CanaryLanes } from '../../../src/controller/canary-lanes.js';
import { callHook } from '../../../src/hooks/call.js';
import { canaryChecksum } from '../../../src/hooks/payload.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary, CanaryStatus } from '../../../src/api/types.js';
import type { Decision } from '../../../src/rollout/decision.js';

interface Received {
  path: string;
  contentType?: string;
  body: any;
}

/** A local receiver; `hold` keeps every answer back until released. */
async function receiver(options: { hold?: Promise<void> } = {}): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', async () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) });
      await options.hold;
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/flagger-events`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function canaryWith(webhooks: unknown[] = []): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: 'u1', resourceVersion: '1' },
    spec: {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '10s', iterations: 2, webhooks },
    },
    status: { phase: 'Initializing' },
  } as Canary;
}

const NOW = Date.parse('2026-03-01T10:00:00Z');

function depsFor(canary: Canary, eventWebhook: string | undefined, lanes?: CanaryLanes): ExecutorDeps & { recorded: string[] } {
  const recorded: string[] = [];
  let stored = canary;
  return {
    recorded,
    client: {
      patchStatus: async (_t: unknown, _n: string, _ns: string, body: { status: CanaryStatus }) => {
        stored = {
          ...stored,
          metadata: { ...stored.metadata, resourceVersion: String(Number(stored.metadata.resourceVersion) + 1) },
          status: { ...stored.status, ...body.status },
        };
        return structuredClone(stored);
      },
      createEvent: async (_i: unknown, _type: string, _r: string, message: string) => {
        recorded.push(message);
        return {};
      },
      serverSideApply: async () => [],
      mergePatch: async () => ({}),
      getIfExists: async () => undefined,
    } as unknown as ExecutorDeps['client'],
    synthesize: () => [],
    live: () => undefined,
    gates: { callHook, runMetrics: async () => [], now: () => NOW },
    log: pino({ level: 'silent' }),
    memo: new Map(),
    reapplyEveryMs: 300_000,
    now: () => NOW,
    ...(lanes ? { lanes } : {}),
    ...(eventWebhook ? { eventWebhook } : {}),
  };
}

const initialized: Decision = {
  status: { phase: 'Initialized', canaryWeight: 0 },
  events: [
    { type: 'Normal', message: 'Initialization done! podinfo.test' },
    { type: 'Warning', message: 'podinfo-primary.test not ready: waiting for rollout to finish' },
  ],
  alerts: [],
  requeueAfterMs: 1000,
};

async function until(check: () => boolean, what: string, withinMs = 5_000): Promise<void> {
  for (let waited = 0; waited < withinMs; waited += 10) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe("controller: the operator's event webhook (-event-webhook)", () => {
  it("posts every Event with Flagger's payload: name, namespace, the phase written with it, checksum, eventMessage, eventType, timestamp in ms", async () => {
    const server = await receiver();
    try {
      const canary = canaryWith();
      await execute(initialized, { canary, resolved: resolveCanary(canary) }, depsFor(canary, server.url));
      expect(server.received).to.have.length(2);
      const checksum = canaryChecksum({ ...canary, status: initialized.status });
      expect(server.received.map((r) => r.path)).to.deep.equal(['/flagger-events', '/flagger-events']);
      expect(server.received[0].contentType).to.equal('application/json');
      expect(server.received[0].body).to.deep.equal({
        name: 'podinfo',
        namespace: 'test',
        phase: 'Initialized',
        checksum,
        metadata: { eventMessage: 'Initialization done! podinfo.test', eventType: 'Normal', timestamp: String(NOW) },
      });
      expect(server.received[1].body.metadata).to.deep.equal({
        eventMessage: 'podinfo-primary.test not ready: waiting for rollout to finish',
        eventType: 'Warning',
        timestamp: String(NOW),
      });
    } finally {
      await server.close();
    }
  });

  it("is not called for a Canary that has an event webhook of its own (Flagger's override); that one gets the Events", async () => {
    const global = await receiver();
    const own = await receiver();
    try {
      const canary = canaryWith([{ name: 'mine', type: 'event', url: own.url, metadata: { team: 'payments' } }]);
      await execute(initialized, { canary, resolved: resolveCanary(canary) }, depsFor(canary, global.url));
      expect(global.received).to.deep.equal([]);
      expect(own.received.map((r) => r.body.metadata)).to.deep.equal([
        { team: 'payments', eventMessage: 'Initialization done! podinfo.test', eventType: 'Normal', timestamp: String(NOW) },
        { team: 'payments', eventMessage: 'podinfo-primary.test not ready: waiting for rollout to finish', eventType: 'Warning', timestamp: String(NOW) },
      ]);
    } finally {
      await global.close();
      await own.close();
    }
  });

  it("is sent from the Canary's lane: the reconcile is done before the receiver answers", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const server = await receiver({ hold: held });
    const lanes = new CanaryLanes(() => undefined);
    try {
      const canary = canaryWith();
      const deps = depsFor(canary, server.url, lanes);
      await execute(initialized, { canary, resolved: resolveCanary(canary) }, deps);
      expect(deps.recorded).to.have.length(2);
      await until(() => server.received.length === 1, 'the first post arrives');
      expect(lanes.busy, 'the post is still in flight after execute() returned').to.equal(1);
      release();
      await until(() => server.received.length === 2 && lanes.busy === 0, 'both posts, one after the other');
    } finally {
      release();
      await lanes.drain(1_000);
      await server.close();
    }
  });

  it('is called as Flagger calls its global hook: named events, a 10 s deadline over the whole post (callHook, the bounded exchange), no retries', () => {
    const canary = canaryWith();
    expect(eventHooksOf(resolveCanary(canary), 'http://events.example/')).to.deep.equal([
      { name: 'events', url: 'http://events.example/', timeoutMs: 10_000, retries: 0, disableTLS: false, metadata: {} },
    ]);
    expect(eventHooksOf(resolveCanary(canary), undefined)).to.deep.equal([]);
  });
});
