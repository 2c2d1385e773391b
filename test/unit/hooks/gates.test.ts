// Webhook calls and gates against a real local HTTP server.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callHook } from '../../../src/hooks/call.js';
import { runGate, runPostRollout, type GateDeps } from '../../../src/controller/gates.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import { osmCanary } from '../rollout/world.js';
import type { Canary } from '../../../src/api/types.js';

interface Seen {
  path: string;
  body: any;
}

describe('rollout webhooks', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let flaky = 0;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', body: body ? JSON.parse(body) : undefined });
        const code = Number((req.url ?? '').match(/\/status\/(\d+)/)?.[1] ?? 200);
        if (req.url === '/flaky' && flaky++ < 2) {
          res.writeHead(503);
          res.end('busy');
          return;
        }
        if (req.url === '/slow') {
          setTimeout(() => {
            res.writeHead(200);
            res.end();
          }, 500);
          return;
        }
        res.writeHead(code);
        res.end(code <= 202 ? 'ok' : `refused with ${code}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    seen.length = 0;
    flaky = 0;
  });

  const hook = (path: string, extra = {}) => ({ url: base + path, body: { x: 1 }, timeoutMs: 2000, retries: 0, disableTLS: false, ...extra });

  it('status up to 202 is success, 203 and above a failure carrying the body', async () => {
    expect((await callHook(hook('/status/202'))).ok).to.equal(true);
    const r = await callHook(hook('/status/403'));
    expect(r).to.deep.include({ ok: false, status: 403, error: 'refused with 403' });
    expect((await callHook(hook('/status/203'))).ok).to.equal(false);
  });

  it('retries 5xx answers up to `retries` times', async () => {
    const r = await callHook(hook('/flaky', { retries: 3 }), async () => {});
    expect(r.ok).to.equal(true);
    expect(seen.filter((s) => s.path === '/flaky')).to.have.length(3);
  });

  it('times out', async () => {
    const r = await callHook(hook('/slow', { timeoutMs: 100 }));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.error).to.match(/timeout/);
  });

  it('an unreachable URL is a failure, not a crash', async () => {
    const r = await callHook({ ...hook('/'), url: 'http://127.0.0.1:1/' });
    expect(r.ok).to.equal(false);
  });

  function canaryWith(hooks: { name: string; type: string; path: string }[]): Canary {
    return osmCanary((c) => {
      c.spec.analysis!.metrics = [];
      c.spec.analysis!.webhooks = hooks.map((h) => ({ name: h.name, type: h.type as any, url: base + h.path, metadata: { cmd: 'echo hi' } }));
      c.status = { phase: 'Progressing', lastAppliedSpec: 'abc', trackedConfigs: {} };
    });
  }
  const deps: GateDeps = { callHook: (c) => callHook(c), runMetrics: async () => [], now: () => 0 };

  it("sends Flagger's payload: name, namespace, phase, checksum, metadata", async () => {
    const c = canaryWith([{ name: 'acceptance', type: 'pre-rollout', path: '/status/200' }]);
    const r = await runGate('pre-rollout', c, resolveCanary(c), deps);
    expect(r.open).to.equal(true);
    expect(r.events.map((e) => e.message)).to.deep.equal(['Pre-rollout check acceptance passed']);
    expect(seen[0].body).to.include({ name: 'podinfo', namespace: 'test', phase: 'Progressing' });
    expect(seen[0].body.checksum).to.match(/^[0-9a-f]{16}$/);
    expect(seen[0].body.metadata).to.deep.equal({ cmd: 'echo hi' });
  });

  it('a failing pre-rollout hook closes the gate with the halt sentence', async () => {
    const c = canaryWith([{ name: 'acceptance', type: 'pre-rollout', path: '/status/500' }]);
    const r = await runGate('pre-rollout', c, resolveCanary(c), deps);
    expect(r.open).to.equal(false);
    expect(r.events.at(-1)?.message).to.equal('Halt podinfo.test advancement pre-rollout check acceptance failed refused with 500');
  });

  it('confirm gates word their waits; rollback hooks open on success', async () => {
    const c = canaryWith([
      { name: 'approve', type: 'confirm-rollout', path: '/status/403' },
      { name: 'promo', type: 'confirm-promotion', path: '/status/403' },
      { name: 'more', type: 'confirm-traffic-increase', path: '/status/403' },
      { name: 'rb', type: 'rollback', path: '/status/200' },
    ]);
    const r = resolveCanary(c);
    expect((await runGate('confirm-rollout', c, r, deps)).events[0].message).to.equal('Halt podinfo.test advancement waiting for approval approve');
    expect((await runGate('confirm-promotion', c, r, deps)).events[0].message).to.equal('Halt podinfo.test advancement waiting for promotion approval promo');
    expect((await runGate('confirm-traffic-increase', c, r, deps)).events[0].message).to.equal(
      'Halt podinfo.test advancement waiting for traffic increase approval more',
    );
    const rb = await runGate('rollback', c, r, deps);
    expect(rb.open).to.equal(false);
    expect(seen.find((s) => s.path === '/status/200')?.body.phase).to.equal('Progressing');
  });

  it('the analysis gate runs rollout hooks before metrics and reports the first halt', async () => {
    const c = canaryWith([{ name: 'load', type: 'rollout', path: '/status/200' }]);
    c.spec.analysis!.metrics = [{ name: 'request-success-rate', thresholdRange: { min: 99 } }];
    let ran = 0;
    const r = await runGate('analysis', c, resolveCanary(c), {
      ...deps,
      runMetrics: async () => {
        ran++;
        return [
          {
            name: 'request-success-rate',
            result: 'fail',
            value: 69.17,
            min: 99,
            message: 'success rate 69.17% < 99%',
            halt: 'Halt podinfo.test advancement success rate 69.17% < 99%',
            countsAsFailedCheck: true,
          },
        ];
      },
    });
    expect(ran).to.equal(1);
    expect(r.open).to.equal(false);
    expect(r.events.map((e) => e.message)).to.deep.equal(['Halt podinfo.test advancement success rate 69.17% < 99%']);
    expect(r.metrics?.[0]).to.include({ name: 'request-success-rate', result: 'fail', value: 69.17, min: 99 });
  });

  it('post-rollout failures are reported only', async () => {
    const c = canaryWith([{ name: 'notify', type: 'post-rollout', path: '/status/500' }]);
    const events = await runPostRollout(c, resolveCanary(c), deps);
    expect(events[0].message).to.equal('Post-rollout check notify failed for podinfo.test: refused with 500');
  });
});
