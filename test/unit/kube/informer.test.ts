import { expect } from 'chai';
import { createServer, type ServerResponse } from 'node:http';
import { pino } from 'pino';
import { until, kubeConfigFor } from './local-server.js';
import { KubeClient, RESOURCES, startInformer } from '../../../src/kube/index.js';

const canary = (name: string, rv: string) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name, namespace: 'test', resourceVersion: rv },
  spec: {},
});

describe('startInformer (watch-backed cache that restarts itself)', function () {
  this.timeout(20_000);

  it('lists, survives a failing watch by restarting with backoff, then applies watch events', async () => {
    let lists = 0;
    let watches = 0;
    const open: ServerResponse[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/apis/flagger.app/v1beta1/namespaces/test/canaries') {
        res.writeHead(404).end();
        return;
      }
      if (url.searchParams.get('watch') !== 'true') {
        lists++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'CanaryList', metadata: { resourceVersion: '10' }, items: [canary('a', '9')] }));
        return;
      }
      watches++;
      if (watches === 1) {
        res.writeHead(500).end('apiserver restarting');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: canary('b', '11') })}\n`);
      res.write(`${JSON.stringify({ type: 'MODIFIED', object: canary('a', '12') })}\n`);
      res.write(`${JSON.stringify({ type: 'DELETED', object: canary('b', '13') })}\n`);
      open.push(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const kc = kubeConfigFor(server);

    const cache = startInformer<any>(new KubeClient(kc), RESOURCES.canaries, {
      namespace: 'test',
      backoff: { initialMs: 50, maxMs: 200 },
      log: pino({ level: 'silent' }),
    });
    const seen: string[] = [];
    cache.onAdd((o) => seen.push(`add ${o.metadata.name}`));
    cache.onUpdate((o) => seen.push(`update ${o.metadata.name}`));
    cache.onDelete((o) => seen.push(`delete ${o.metadata.name}`));
    cache.onAdd(() => {
      throw new Error('a broken handler must not stop the others');
    });
    try {
      await cache.synced;
      expect(cache.isSynced()).to.equal(true);
      expect(cache.get('a', 'test')?.metadata.resourceVersion).to.be.oneOf(['9', '12']);
      await until(() => seen.includes('delete b'));
      expect(cache.restarts()).to.be.at.least(1);
      expect([lists, watches]).to.deep.equal([1, 2]);
      expect(seen).to.include.members(['add a', 'add b', 'update a', 'delete b']);
      expect(cache.list('test').map((o) => o.metadata.name)).to.deep.equal(['a']);
      expect(cache.get('a', 'test')?.metadata.resourceVersion).to.equal('12');
    } finally {
      await cache.stop();
      for (const r of open) r.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    const restartsAtStop = cache.restarts();
    await new Promise((r) => setTimeout(r, 300));
    expect(cache.restarts()).to.equal(restartsAtStop);
  });
});
