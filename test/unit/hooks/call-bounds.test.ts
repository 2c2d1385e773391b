// Rollout webhooks against hostile real servers: a deadline over the whole exchange, a cap on
// the answer, a capped error message, and a failed check (never a throw) for a URL it cannot call.
import { expect } from 'chai';
import { callHook, type HookCall } from '../../../src/hooks/call.js';
import { MAX_MESSAGE_CHARS } from '../../../src/api/message.js';
import { bigErrorServer, drippingServer, hugeBodyServer, type HostileServer } from './hostile-servers.js';

describe('rollout webhooks: bounds', () => {
  const servers: HostileServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const started = async (s: Promise<HostileServer>) => {
    const server = await s;
    servers.push(server);
    return server;
  };
  const hook = (url: string, extra: Partial<HookCall> = {}): HookCall => ({
    url,
    body: { name: 'c' },
    timeoutMs: 2000,
    retries: 0,
    disableTLS: false,
    ...extra,
  });

  it('a server dripping a byte at a time fails the call at the deadline, body included', async () => {
    const drip = await started(drippingServer({ everyMs: 50, totalBytes: 100 }));
    const r = await callHook(hook(drip.url, { timeoutMs: 300 }));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.error).to.equal('timeout: no complete answer within 300ms');
  });

  it('an answer over the cap fails the call, naming the cap, without reading the rest', async () => {
    const huge = await started(hugeBodyServer({ totalBytes: 16 * 1024 * 1024 }));
    const r = await callHook(hook(huge.url, { maxResponseBytes: 64 * 1024 }));
    expect(r).to.deep.include({ ok: false, status: 200, error: 'response larger than 64 KiB' });
    expect(huge.written()).to.be.below(16 * 1024 * 1024);
  });

  it('the default cap is 1 MiB', async () => {
    const big = await started(hugeBodyServer({ totalBytes: 1024 * 1024 + 1 }));
    const r = await callHook(hook(big.url));
    expect(r).to.deep.include({ ok: false, error: 'response larger than 1 MiB' });
  });

  it('a large error page becomes a capped message', async () => {
    const page = await started(bigErrorServer(200 * 1024, 403));
    const r = await callHook(hook(page.url));
    expect(r.ok).to.equal(false);
    if (!r.ok) {
      expect(r.status).to.equal(403);
      expect(r.error.length).to.be.at.most(MAX_MESSAGE_CHARS);
      expect(r.error).to.match(/^e+\.\.\. \(\d+ more characters\)$/);
    }
  });

  it('a URL that is not http(s) fails the check instead of throwing', async () => {
    const r = await callHook(hook('ftp://example.com/hook'));
    expect(r).to.deep.equal({ ok: false, error: 'unsupported URL scheme ftp: (use http or https)' });
    const bad = await callHook(hook('not a url'));
    expect(bad).to.deep.equal({ ok: false, error: 'invalid URL "not a url"' });
  });
});
