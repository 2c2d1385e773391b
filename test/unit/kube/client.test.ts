import { expect } from 'chai';
import { KubeClient, KubeError, RESOURCES, isAlreadyExists, isNotFound } from '../../../src/kube/index.js';
import { startFakeApiserver, status, type FakeApiserver, type SeenRequest } from './fake-apiserver.js';

describe('KubeClient against a scripted apiserver', function () {
  this.timeout(20_000);
  let fake: FakeApiserver;
  let client: KubeClient;
  let route: (r: SeenRequest) => { status: number; body?: unknown };

  before(async () => {
    fake = await startFakeApiserver((r) => route(r));
    client = new KubeClient(fake.kubeConfig());
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.seen.length = 0;
  });

  it('get reads plain JSON from the namespaced path, keeping unknown fields', async () => {
    route = () => ({
      status: 200,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'podinfo' },
        spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, port: 'http' }] }] } } },
        futureField: { x: 1 },
      },
    });
    const d: any = await client.get(RESOURCES.deployments, 'podinfo', 'test');
    expect(fake.seen[0]).to.include({ method: 'GET', path: '/apis/apps/v1/namespaces/test/deployments/podinfo' });
    expect(d.futureField).to.deep.equal({ x: 1 });
    expect(d.spec.template.spec.containers[0].ports[0].port).to.equal('http');
    expect(Object.getPrototypeOf(d)).to.equal(Object.prototype);
  });

  it('404 becomes a KubeError with status 404 and the Status reason; getIfExists gives undefined', async () => {
    route = () => ({ status: 404, body: status(404, 'NotFound', 'deployments.apps "nope" not found') });
    let err: unknown;
    try {
      await client.get(RESOURCES.deployments, 'nope', 'test');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(KubeError);
    const k = err as KubeError;
    expect([k.status, k.reason, isNotFound(k)]).to.deep.equal([404, 'NotFound', true]);
    expect(k.message).to.equal('GET /apis/apps/v1/namespaces/test/deployments/nope: 404 NotFound: deployments.apps "nope" not found');
    expect(await client.getIfExists(RESOURCES.deployments, 'nope', 'test')).to.equal(undefined);
  });

  it('core kinds use /api/v1; lists pass selectors and default items', async () => {
    route = () => ({ status: 200, body: { kind: 'ServiceList', metadata: { resourceVersion: '42' } } });
    const list = await client.list(RESOURCES.services, { namespace: 'test', labelSelector: 'app=podinfo' });
    expect(fake.seen[0]).to.deep.include({ path: '/api/v1/namespaces/test/services', query: { labelSelector: 'app=podinfo' } });
    expect(list.items).to.deep.equal([]);
    expect(list.metadata.resourceVersion).to.equal('42');
    await client.list(RESOURCES.canaries);
    expect(fake.seen[1].path).to.equal('/apis/flagger.app/v1beta1/canaries');
  });

  it('create posts JSON with field manager sluice', async () => {
    route = (r) => ({ status: 201, body: r.body });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'test' }, data: { a: '1' } };
    expect(await client.create(RESOURCES.configMaps, cm)).to.deep.equal(cm);
    expect(fake.seen[0]).to.deep.include({
      method: 'POST',
      path: '/api/v1/namespaces/test/configmaps',
      contentType: 'application/json',
      query: { fieldManager: 'sluice' },
    });
  });

  it('delete reports whether it deleted, and passes the propagation policy', async () => {
    route = () => ({ status: 200, body: status(200, '', '') });
    expect(await client.delete(RESOURCES.deployments, 'podinfo-primary', 'test', { propagationPolicy: 'Foreground' })).to.equal(true);
    expect(fake.seen[0]).to.deep.include({ method: 'DELETE', query: { propagationPolicy: 'Foreground' } });
    route = () => ({ status: 404, body: status(404, 'NotFound', 'gone') });
    expect(await client.delete(RESOURCES.deployments, 'podinfo-primary', 'test')).to.equal(false);
  });

  it('serverSideApply: apply-patch content type, force, field manager; plural from discovery for unknown kinds', async () => {
    route = (r) =>
      r.path === '/apis/networking.istio.io/v1'
        ? {
            status: 200,
            body: {
              groupVersion: 'networking.istio.io/v1',
              resources: [
                { name: 'virtualservices', kind: 'VirtualService', namespaced: true },
                { name: 'virtualservices/status', kind: 'VirtualService', namespaced: true },
              ],
            },
          }
        : { status: 200, body: r.body };
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'podinfo', namespace: 'test' }, spec: { hosts: ['podinfo'] } };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'podinfo', namespace: 'test' }, spec: { ports: [{ port: 9898 }] } };
    const applied = await client.serverSideApply([svc, vs, vs]);
    expect(applied).to.deep.equal([svc, vs, vs]);
    const patches = fake.seen.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path)).to.deep.equal([
      '/api/v1/namespaces/test/services/podinfo',
      '/apis/networking.istio.io/v1/namespaces/test/virtualservices/podinfo',
      '/apis/networking.istio.io/v1/namespaces/test/virtualservices/podinfo',
    ]);
    expect(patches[0]).to.deep.include({ contentType: 'application/apply-patch+yaml', query: { fieldManager: 'sluice', force: 'true' } });
    // Discovery is asked once per group version, and never for well-known kinds.
    expect(fake.seen.filter((r) => r.method === 'GET').map((r) => r.path)).to.deep.equal(['/apis/networking.istio.io/v1']);
  });

  it('serverSideApply refuses a namespaced object without a namespace, and an unknown kind says so', async () => {
    route = () => ({ status: 200, body: { resources: [] } });
    let err: Error | undefined;
    try {
      await client.serverSideApply([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } }]);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.equal('cannot apply Service x without metadata.namespace');
    try {
      await client.serverSideApply([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x', namespace: 'y' } }]);
    } catch (e) {
      err = e as Error;
    }
    expect((err as KubeError).status).to.equal(404);
    expect(err?.message).to.match(/no kind Widget in example.com\/v1/);
  });

  it('mergePatch and patchStatus send merge patches, the latter to /status', async () => {
    route = (r) => ({ status: 200, body: r.body });
    await client.mergePatch(RESOURCES.deployments, 'podinfo', 'test', { spec: { replicas: 0 } });
    await client.patchStatus(RESOURCES.canaries, 'podinfo', 'test', { status: { phase: 'Initialized' } });
    expect(fake.seen.map((r) => [r.method, r.path, r.contentType])).to.deep.equal([
      ['PATCH', '/apis/apps/v1/namespaces/test/deployments/podinfo', 'application/merge-patch+json'],
      ['PATCH', '/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo/status', 'application/merge-patch+json'],
    ]);
    expect(fake.seen[1].body).to.deep.equal({ status: { phase: 'Initialized' } });
  });

  /** An apiserver that stores Events, with resourceVersions and the merge patch precondition. */
  const eventStore = () => {
    const events = new Map<string, any>();
    let rv = 100;
    route = (r) => {
      if (r.method === 'POST') {
        if (events.has(r.body.metadata.name)) return { status: 409, body: status(409, 'AlreadyExists', 'events "x" already exists') };
        const stored = { ...r.body, metadata: { ...r.body.metadata, resourceVersion: String(++rv) } };
        events.set(r.body.metadata.name, stored);
        return { status: 201, body: stored };
      }
      const name = r.path.split('/').pop()!;
      const current = events.get(name);
      if (!current) return { status: 404, body: status(404, 'NotFound', `events "${name}" not found`) };
      if (r.method === 'GET') return { status: 200, body: current };
      const want = r.body.metadata?.resourceVersion;
      if (want && want !== current.metadata.resourceVersion) return { status: 409, body: status(409, 'Conflict', 'the object has been modified') };
      const merged = { ...current, ...r.body, metadata: { ...current.metadata, resourceVersion: String(++rv) } };
      events.set(name, merged);
      return { status: 200, body: merged };
    };
    return events;
  };
  const involved = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', namespace: 'test', uid: 'u1' };

  it('createEvent creates once, then bumps the count of the same Event with one conditional PATCH', async () => {
    const events = eventStore();
    const fresh = new KubeClient(fake.kubeConfig());
    const first = await fresh.createEvent(involved, 'Normal', 'Synced', 'New revision detected! Scaling up podinfo.test', new Date('2026-11-21T23:00:00Z'));
    const second = await fresh.createEvent(involved, 'Normal', 'Synced', 'New revision detected! Scaling up podinfo.test', new Date('2026-11-21T23:01:00Z'));
    expect(first.count).to.equal(1);
    expect(second.count).to.equal(2);
    expect(second.lastTimestamp).to.equal('2026-11-21T23:01:00Z');
    expect(second.firstTimestamp).to.equal('2026-11-21T23:00:00Z');
    expect(fake.seen.map((r) => r.method)).to.deep.equal(['POST', 'PATCH']);
    expect(fake.seen[1].body.metadata.resourceVersion, 'the bump is conditional on what this process wrote').to.equal(first.metadata.resourceVersion);
    expect(fake.seen[0].path).to.equal('/api/v1/namespaces/test/events');
    const other = await fresh.createEvent(involved, 'Warning', 'Synced', 'Halt advancement', new Date());
    expect(other.count).to.equal(1);
    expect(events.size).to.equal(2);
  });

  it('createEvent after a restart (nothing remembered) finds the existing Event: POST 409, GET, PATCH', async () => {
    eventStore();
    await new KubeClient(fake.kubeConfig()).createEvent(involved, 'Normal', 'Synced', 'Promotion completed! Scaling down podinfo.test');
    fake.seen.length = 0;
    const restarted = new KubeClient(fake.kubeConfig());
    const again = await restarted.createEvent(involved, 'Normal', 'Synced', 'Promotion completed! Scaling down podinfo.test');
    expect(again.count).to.equal(2);
    expect(fake.seen.map((r) => r.method)).to.deep.equal(['POST', 'GET', 'PATCH']);
  });

  it('createEvent: a remembered Event bumped by someone else (409) or expired (404) is read or made afresh', async () => {
    const events = eventStore();
    const mine = new KubeClient(fake.kubeConfig());
    const message = 'Advance podinfo.test canary weight 10';
    const first = await mine.createEvent(involved, 'Normal', 'Synced', message);
    await new KubeClient(fake.kubeConfig()).createEvent(involved, 'Normal', 'Synced', message); // another writer: count 2
    fake.seen.length = 0;
    const third = await mine.createEvent(involved, 'Normal', 'Synced', message);
    expect(fake.seen.map((r) => `${r.method} ${r.method === 'PATCH' ? fake.seen.indexOf(r) : ''}`.trim())).to.deep.equal(['PATCH 0', 'POST', 'GET', 'PATCH 3']);
    expect(third.count, 'counted from the stored Event, not from memory').to.equal(3);
    events.delete(first.metadata.name); // the Event's TTL ran out
    fake.seen.length = 0;
    const fourth = await mine.createEvent(involved, 'Normal', 'Synced', message);
    expect(fake.seen.map((r) => r.method)).to.deep.equal(['PATCH', 'POST']);
    expect(fourth.count).to.equal(1);
  });

  it('authenticates with the kubeconfig user (bearer token) and keeps 401s as 401', async () => {
    route = () => ({ status: 401, body: status(401, 'Unauthorized', 'Unauthorized') });
    let err: KubeError | undefined;
    try {
      await client.get(RESOURCES.canaries, 'x', 'y');
    } catch (e) {
      err = e as KubeError;
    }
    expect(fake.seen[0].authorization).to.equal('Bearer secret-token');
    expect([err?.status, err?.reason]).to.deep.equal([401, 'Unauthorized']);
  });

  it('a non-Status error body keeps its text; a dead server is status 0', async () => {
    route = () => ({ status: 503, body: 'upstream connect error' });
    let err: KubeError | undefined;
    try {
      await client.get(RESOURCES.canaries, 'x', 'y');
    } catch (e) {
      err = e as KubeError;
    }
    expect([err?.status, err?.reason]).to.deep.equal([503, 'ServiceUnavailable']);
    expect(err?.message).to.include('upstream connect error');
    const dead = await startFakeApiserver(() => ({ status: 200 }));
    const deadClient = new KubeClient(dead.kubeConfig());
    await dead.close();
    try {
      await deadClient.get(RESOURCES.canaries, 'x', 'y');
    } catch (e) {
      err = e as KubeError;
    }
    expect(err?.status).to.equal(0);
    expect(isAlreadyExists(err)).to.equal(false);
  });
});
