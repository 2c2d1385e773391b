import { expect } from 'chai';
import { createServer, type ServerResponse } from 'node:http';
import { pino } from 'pino';
import { until, kubeConfigFor } from '../kube/local-server.js';
import { KubeClient, type KubeObject } from '../../../src/kube/index.js';
import { RoutingCaches, DISCOVERY_RETRY_MS, FIRST_SYNC_WAIT_MS } from '../../../src/controller/routing-caches.js';
import { objectsToApply } from '../../../src/controller/executor.js';

const GV = 'networking.istio.io/v1beta1';
const vs = (name: string, rv: string, weight: number): KubeObject => ({
  apiVersion: GV,
  kind: 'VirtualService',
  metadata: {
    name,
    namespace: 'test',
    resourceVersion: rv,
    ownerReferences: [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name, uid: 'u1', controller: true }],
    managedFields: [{ manager: 'sluice', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
  },
  spec: {
    http: [
      {
        route: [
          { destination: { host: `${name}-primary` }, weight: 100 - weight },
          { destination: { host: `${name}-canary` }, weight },
        ],
      },
    ],
  },
});
const desired = (name: string, weight: number): KubeObject => {
  const o = vs(name, '', weight);
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o.metadata;
  return { ...o, metadata };
};

describe('routing caches (watched VirtualServices, HTTPRoutes, ... started on first use)', function () {
  this.timeout(20_000);

  it('answers unknown until synced, then the stored object (managedFields dropped), null when absent, and reports changes', async () => {
    const seen: string[] = [];
    const open: ServerResponse[] = [];
    let now = 1_000_000;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${url.pathname}${url.searchParams.get('watch') === 'true' ? ' watch' : ''}`);
      const json = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === `/apis/${GV}`) return json({ groupVersion: GV, resources: [{ name: 'virtualservices', kind: 'VirtualService', namespaced: true }] });
      if (url.pathname === '/apis/split.smi-spec.io/v1alpha2') {
        res.writeHead(404).end();
        return;
      }
      if (url.pathname === '/apis/gateway.networking.k8s.io/v1')
        return json({ groupVersion: 'gateway.networking.k8s.io/v1', resources: [{ name: 'httproutes', kind: 'HTTPRoute', namespaced: true }] });
      if (url.pathname === '/apis/gateway.networking.k8s.io/v1/httproutes') {
        res.writeHead(403).end();
        return;
      }
      if (url.pathname === `/apis/${GV}/virtualservices`) {
        if (url.searchParams.get('watch') !== 'true')
          return json({ kind: 'VirtualServiceList', apiVersion: GV, metadata: { resourceVersion: '10' }, items: [vs('podinfo', '9', 0)] });
        res.writeHead(200, { 'content-type': 'application/json' });
        setTimeout(() => res.write(`${JSON.stringify({ type: 'MODIFIED', object: vs('podinfo', '11', 20) })}\n`), 100);
        open.push(res);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const kc = kubeConfigFor(server);
    const changed: string[] = [];
    const caches = new RoutingCaches(new KubeClient(kc), { log: pino({ level: 'silent' }), now: () => now }, (o) =>
      changed.push(`${o.metadata.name}@${o.metadata.resourceVersion}`),
    );
    try {
      expect(caches.lookup(desired('podinfo', 0)), 'before any cache exists').to.equal(undefined);
      await caches.whenSynced([desired('podinfo', 0)]);
      const live = caches.lookup(desired('podinfo', 0));
      expect(live?.metadata.resourceVersion).to.be.oneOf(['9', '11']);
      expect(live?.metadata).to.not.have.property('managedFields');
      expect(caches.lookup(desired('other', 0)), 'synced cache without the object').to.equal(null);
      await until(() => changed.includes('podinfo@11'));
      expect(caches.lookup(desired('podinfo', 20))?.metadata).to.not.have.property('managedFields');
      expect(caches.watchedKinds()).to.deep.equal([`${GV}|VirtualService`]);

      // A kind the server does not know (CRD not installed): unknown, and asked again only after a while.
      const split = { apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit', metadata: { name: 'podinfo', namespace: 'test' } };
      expect(caches.lookup(split)).to.equal(undefined);
      await until(() => seen.filter((s) => s.startsWith('/apis/split.smi-spec.io')).length === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(caches.lookup(split)).to.equal(undefined);
      await new Promise((r) => setTimeout(r, 50));
      expect(
        seen.filter((s) => s.startsWith('/apis/split.smi-spec.io')),
        'no second discovery within the retry delay',
      ).to.have.length(1);
      now += DISCOVERY_RETRY_MS + 1;
      expect(caches.lookup(split)).to.equal(undefined);
      await until(() => seen.filter((s) => s.startsWith('/apis/split.smi-spec.io')).length === 2);

      // A kind that never lists (forbidden): the first reconciles wait for it up to a limit, later ones not at all.
      const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'podinfo', namespace: 'test' } };
      const firstWait = caches.whenSynced([route]);
      let waited = false;
      void firstWait.then(() => {
        waited = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(waited, 'still waiting for the first list').to.equal(false);
      now += FIRST_SYNC_WAIT_MS + 1;
      const t0 = Date.now();
      await caches.whenSynced([route]);
      expect(Date.now() - t0, 'no wait once the limit has passed').to.be.below(100);
      expect(caches.lookup(route)).to.equal(undefined);
    } finally {
      await caches.stop();
      for (const r of open) r.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('objectsToApply (what a sync writes)', () => {
  const memoDeps = (live: (o: KubeObject) => KubeObject | null | undefined, now = 0) => ({
    live,
    memo: new Map<string, { hash: string; at: number }>(),
    reapplyEveryMs: 300_000,
    now: () => now,
  });

  it('skips an object whose stored version already holds every desired field', () => {
    expect(
      objectsToApply(
        [desired('podinfo', 20)],
        memoDeps(() => vs('podinfo', '5', 20)),
      ),
    ).to.have.length(0);
  });

  it('applies an object whose stored version differs (a weight step, or an edit by someone else)', () => {
    expect(
      objectsToApply(
        [desired('podinfo', 30)],
        memoDeps(() => vs('podinfo', '5', 20)),
      ),
    ).to.have.length(1);
  });

  it('applies an object a synced cache does not have, even when the memo says it was applied', () => {
    const deps = memoDeps(() => null);
    const o = desired('podinfo', 0);
    deps.memo.set(`${GV}/VirtualService/test/podinfo`, { hash: JSON.stringify(o), at: 0 });
    expect(objectsToApply([o], deps)).to.have.length(1);
  });

  it('without a cache, applies on change and every reapply period, not in between', () => {
    const o = desired('podinfo', 0);
    const deps = memoDeps(() => undefined, 1000);
    deps.memo.set(`${GV}/VirtualService/test/podinfo`, { hash: JSON.stringify(o), at: 0 });
    expect(objectsToApply([o], deps)).to.have.length(0);
    expect(objectsToApply([desired('podinfo', 10)], deps)).to.have.length(1);
    expect(objectsToApply([o], { ...deps, now: () => 300_001 })).to.have.length(1);
  });
});
