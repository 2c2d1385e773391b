import { expect } from 'chai';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pino } from 'pino';
import { until, kubeConfigFor } from './local-server.js';
import { KubeClient, RESOURCES, startInformer } from '../../../src/kube/index.js';
import { MIN_WATCH_SECONDS, WATCH_SILENCE_MS, watchTimeoutSeconds, type WatchTiming } from '../../../src/kube/long-watch.js';

const PATH = '/apis/flagger.app/v1beta1/namespaces/test/canaries';

interface WatchRequest {
  readonly at: number;
  readonly query: URLSearchParams;
  readonly res: ServerResponse;
}

/** A scripted apiserver: an empty list, and every watch handed to `onWatch` (which may hold it open). */
async function apiserver(onWatch: (w: WatchRequest) => void) {
  const watches: WatchRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== PATH) return void res.writeHead(404).end();
    if (url.searchParams.get('watch') !== 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ kind: 'CanaryList', metadata: { resourceVersion: '10' }, items: [] }));
    }
    const w = { at: Date.now(), query: url.searchParams, res };
    watches.push(w);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    onWatch(w);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = async () => {
    for (const w of watches) w.res.end();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { server, watches, close };
}

async function withInformer(onWatch: (w: WatchRequest) => void, timing: Partial<WatchTiming>, body: (watches: WatchRequest[]) => Promise<void>) {
  const api = await apiserver(onWatch);
  const cache = startInformer(new KubeClient(kubeConfigFor(api.server)), RESOURCES.canaries, {
    namespace: 'test',
    watchTiming: timing,
    log: pino({ level: 'silent' }),
  });
  try {
    await cache.synced;
    await body(api.watches);
    expect(cache.restarts(), 'no watch ended in an error').to.equal(0);
  } finally {
    await cache.stop();
    await api.close();
  }
}

describe('LongWatch (the watch under every informer)', function () {
  this.timeout(20_000);

  it('asks the apiserver for a watch of 5 to 10 minutes with bookmarks, and waits 2 minutes of silence', () => {
    expect([MIN_WATCH_SECONDS, WATCH_SILENCE_MS]).to.deep.equal([300, 120_000]);
    expect(watchTimeoutSeconds(300, () => 0)).to.equal(300);
    expect(watchTimeoutSeconds(300, () => 0.999)).to.equal(599);
  });

  it('sends timeoutSeconds and allowWatchBookmarks=true with the resourceVersion of the list', async () => {
    await withInformer(
      () => undefined,
      {},
      async (watches) => {
        await until(() => watches.length === 1);
        const q = watches[0].query;
        expect(Number(q.get('timeoutSeconds'))).to.be.within(300, 599);
        expect(q.get('allowWatchBookmarks')).to.equal('true');
        expect(q.get('resourceVersion')).to.equal('10');
      },
    );
  });

  it('a watch the apiserver ends at its timeoutSeconds is opened again at once, from the last bookmark', async () => {
    // Each watch ends when asked (1-2 s); only the first carries a bookmark. client-node's informer
    // would wait 1 s, then 2 s, before reopening a watch that ended cleanly without events.
    await withInformer(
      (w) => {
        if (w.query.get('resourceVersion') === '10') w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '42' } } })}\n`);
        setTimeout(() => w.res.end(), Number(w.query.get('timeoutSeconds')) * 1000);
      },
      { minWatchSeconds: 1 },
      async (watches) => {
        await until(() => watches.length === 3, 10_000);
        const gaps = [
          watches[1].at - watches[0].at - Number(watches[0].query.get('timeoutSeconds')) * 1000,
          watches[2].at - watches[1].at - Number(watches[1].query.get('timeoutSeconds')) * 1000,
        ];
        for (const gap of gaps) expect(gap, 'time from the end of one watch to the next').to.be.below(500);
        expect(watches.map((w) => w.query.get('resourceVersion'))).to.deep.equal(['10', '42', '42']);
      },
    );
  });

  it('a silent connection is dropped after the silence deadline, not before, and a new watch opened', async () => {
    await withInformer(
      () => undefined,
      { silenceMs: 600 },
      async (watches) => {
        await until(() => watches.length === 2, 5000);
        expect(watches[1].at - watches[0].at).to.be.within(550, 1500);
      },
    );
  });

  it('a watch that has data keeps its connection past the silence deadline', async () => {
    const timers: NodeJS.Timeout[] = [];
    await withInformer(
      (w) => timers.push(setInterval(() => w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '11' } } })}\n`), 150)),
      { silenceMs: 400 },
      async (watches) => {
        await new Promise((r) => setTimeout(r, 1500));
        expect(watches).to.have.length(1);
      },
    );
    for (const t of timers) clearInterval(t);
  });
});
