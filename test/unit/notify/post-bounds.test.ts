// Notifications against hostile real servers: a fixed deadline over the whole exchange (also
// through a proxy tunnel), a cap on the answer, and capped error messages.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { postJson, DEFAULT_NOTIFY_TIMEOUT_MS, DEFAULT_NOTIFY_RESPONSE_BYTES } from '../../../src/notify/post.js';
import { MAX_MESSAGE_CHARS } from '../../../src/api/message.js';
import { bigErrorServer, drippingServer, hugeBodyServer, type HostileServer } from '../hooks/hostile-servers.js';

const message = (url: string) => ({ url, body: { text: 'hello' }, headers: {} });
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => '',
    (e: Error) => e.message,
  );

describe('notifications: bounds', () => {
  const servers: HostileServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const started = async (s: Promise<HostileServer>) => {
    const server = await s;
    servers.push(server);
    return server;
  };

  it('a fixed 5 s deadline and a 64 KiB answer cap by default', () => {
    expect(DEFAULT_NOTIFY_TIMEOUT_MS).to.equal(5_000);
    expect(DEFAULT_NOTIFY_RESPONSE_BYTES).to.equal(64 * 1024);
  });

  it('a chat service dripping its answer fails at the deadline, body included', async () => {
    const drip = await started(drippingServer({ everyMs: 50, totalBytes: 100 }));
    const error = await rejection(postJson(message(`${drip.url}/hook/secret`), { timeoutMs: 300 }));
    expect(error).to.equal(`${drip.url}/...: timeout: no complete answer within 300ms`);
  });

  it('an answer over the cap fails, naming the cap', async () => {
    const huge = await started(hugeBodyServer({ totalBytes: 8 * 1024 * 1024 }));
    const error = await rejection(postJson(message(`${huge.url}/hook`), { maxResponseBytes: 16 * 1024 }));
    expect(error).to.equal(`${huge.url}/...: response larger than 16 KiB`);
    expect(huge.written()).to.be.below(8 * 1024 * 1024);
  });

  it('an error page becomes a capped message', async () => {
    const page = await started(bigErrorServer(40 * 1024, 502));
    const error = await rejection(postJson(message(`${page.url}/hook`)));
    expect(error.length).to.be.at.most(MAX_MESSAGE_CHARS);
    expect(error).to.match(new RegExp(`^${page.url}/\\.\\.\\. answered 502: e+\\.\\.\\. \\(\\d+ more characters\\)$`));
  });

  it('a proxy that accepts the connection and never answers CONNECT fails at the same deadline', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer();
    silent.on('connect', (_req, socket: Socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const proxy = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const error = await rejection(postJson(message('https://chat.example/hook'), { proxy, timeoutMs: 300 }));
      expect(error).to.equal('https://chat.example/...: timeout: no complete answer within 300ms');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
