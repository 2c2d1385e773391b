// The built-in hey against hostile real targets: -t is a deadline over the whole request, body
// included; an answer over the cap is an error; an abort ends requests in flight.
import { expect } from 'chai';
import { runLoad, DEFAULT_TARGET_RESPONSE_BYTES } from '../../../src/loadtester/load-generator.js';
import { parseHeyArgs } from '../../../src/loadtester/hey-options.js';
import { drippingServer, hugeBodyServer, type HostileServer } from '../hooks/hostile-servers.js';

const options = (args: string) => {
  const p = parseHeyArgs(args.split(' '));
  if (!p.ok) throw new Error(p.error);
  return p.options;
};

describe('built-in hey: bounds', () => {
  const servers: HostileServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const started = async (s: Promise<HostileServer>) => {
    const server = await s;
    servers.push(server);
    return server;
  };

  it('caps each answer at 10 MiB by default', () => {
    expect(DEFAULT_TARGET_RESPONSE_BYTES).to.equal(10 * 1024 * 1024);
  });

  it('-t 1 ends a request whose answer drips in at 1 s, body included', async () => {
    const drip = await started(drippingServer({ everyMs: 50, totalBytes: 100 }));
    const result = await runLoad(options(`-n 1 -c 1 -t 1 ${drip.url}/`));
    expect(result.errors).to.deep.equal({ 'timeout: no complete answer within 1s': 1 });
    expect(result.statusCodes).to.deep.equal({});
  });

  it('an answer over the cap counts as an error, naming the cap', async () => {
    const huge = await started(hugeBodyServer({ totalBytes: 16 * 1024 * 1024 }));
    const result = await runLoad(options(`-n 2 -c 1 ${huge.url}/`), { maxResponseBytes: 64 * 1024 });
    expect(result.errors).to.deep.equal({ 'response larger than 64 KiB': 2 });
    expect(huge.written()).to.be.below(2 * 16 * 1024 * 1024);
  });

  it('an abort ends the requests in flight, not only the next ones', async () => {
    const drip = await started(drippingServer({ everyMs: 50, totalBytes: 200 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('task timed out')), 300);
    const t0 = Date.now();
    await runLoad(options(`-n 1 -c 1 -t 20 ${drip.url}/`), { signal: controller.signal });
    // The drip lasts 10 s and -t allows 20: ending in under half of that means the abort cut it.
    expect(Date.now() - t0).to.be.below(5000);
  });
});
