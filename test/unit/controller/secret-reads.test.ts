// Issue #17, finding 6: the controller never lists or watches Secrets. It GETs the ones its
// target names during a reconcile, and looks at a Canary whose target reads Secrets every analysis
// interval, so a changed Secret still starts a rollout with no watch to report it.
import { expect } from 'chai';
import { pino } from 'pino';
import { CanaryController } from '../../../src/controller/controller.js';
import { lookAgainWithin, readSecrets, secretNamesOf } from '../../../src/controller/secret-reads.js';
import { synthesize } from '../../../src/operator/run.js';
import type { Canary } from '../../../src/api/types.js';
import type { KubeClient, KubeObject, ResourceType, WatchedCache } from '../../../src/kube/index.js';
import { FakeCache, statusWrites } from './fake-cache.js';

const silent = pino({ level: 'silent' });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(20);
  }
}

/** A target that names three Secrets (one of which does not exist) in every place config tracking covers. */
const podSpec = {
  containers: [
    {
      name: 'podinfod',
      image: 'podinfo:6.0.0',
      envFrom: [{ secretRef: { name: 'app-env' } }],
      env: [{ name: 'KEY', valueFrom: { secretKeyRef: { name: 'app-key', key: 'k' } } }],
    },
  ],
  volumes: [
    { name: 'tls', secret: { secretName: 'app-tls' } },
    { name: 'p', projected: { sources: [{ secret: { name: 'app-env' } }] } },
  ],
};

const ready = (replicas: number) => ({ observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas });

/**
 * The controller against in-memory caches (every informer it starts is recorded) and a client
 * whose Secrets live in a store that no watch reports on: every call to the client is recorded.
 */
function secretWorld() {
  const caches = new Map<string, FakeCache<KubeObject>>();
  const watched: string[] = [];
  const cache = (plural: string) => {
    if (!caches.has(plural)) caches.set(plural, new FakeCache());
    return caches.get(plural)!;
  };
  const deployments = () => cache('deployments');
  const canaries = () => cache('canaries') as unknown as FakeCache<Canary & KubeObject>;
  const secrets = new Map<string, KubeObject>();
  const putSecret = (name: string, data: Record<string, string>, type = 'Opaque') =>
    secrets.set(`test/${name}`, { apiVersion: 'v1', kind: 'Secret', type, metadata: { name, namespace: 'test' }, data } as KubeObject);
  putSecret('app-env', { color: b64('blue') });
  putSecret('app-tls', { 'tls.crt': b64('crt'), 'tls.key': b64('key') }, 'kubernetes.io/tls');
  putSecret('unrelated', { password: b64('hunter2') });

  const calls: string[] = [];
  const events: string[] = [];
  let rv = 1;
  const client = {
    getIfExists: async (type: ResourceType, name: string, ns: string) => {
      calls.push(`get ${type.plural} ${ns}/${name}`);
      if (type.plural === 'secrets') return structuredClone(secrets.get(`${ns}/${name}`));
      return undefined;
    },
    get: async (type: ResourceType, name: string, ns: string) => {
      calls.push(`get ${type.plural} ${ns}/${name}`);
      throw new Error('not here');
    },
    list: async (type: ResourceType) => {
      calls.push(`list ${type.plural}`);
      return { items: [] };
    },
    createEvent: async (_i: unknown, _type: string, _r: string, message: string) => {
      events.push(message);
      return {};
    },
    patchStatus: statusWrites(canaries, () => String(++rv)),
    // Scaling the target: its pods are ready at once.
    mergePatch: async (type: ResourceType, name: string, ns: string, patch: { spec?: { replicas?: number } }) => {
      calls.push(`patch ${type.plural} ${ns}/${name}`);
      const d = deployments().get(name, ns);
      const replicas = patch.spec?.replicas;
      if (d && replicas !== undefined) deployments().put({ ...d, spec: { ...(d.spec as object), replicas }, status: ready(replicas) });
      return {};
    },
    // Applied Deployments are ready at once; applied Secrets are stored.
    serverSideApply: async (objects: KubeObject[]) => {
      for (const o of objects) {
        calls.push(`apply ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
        if (o.kind === 'Deployment') {
          const replicas = (o.spec as { replicas?: number }).replicas ?? 1;
          deployments().put({ ...structuredClone(o), metadata: { ...o.metadata, generation: 1 }, status: ready(replicas) });
        }
        if (o.kind === 'Secret') secrets.set(`${o.metadata.namespace}/${o.metadata.name}`, structuredClone(o));
      }
      return objects;
    },
  } as unknown as KubeClient;

  deployments().put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'podinfo', namespace: 'test', generation: 1, resourceVersion: '1' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'podinfo' } }, template: { metadata: { labels: { app: 'podinfo' } }, spec: podSpec } },
    status: ready(2),
  });
  const canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: 'u1', generation: 1, resourceVersion: '1' },
    spec: {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '300ms', threshold: 2, iterations: 2 },
    },
  } as unknown as Canary & KubeObject;

  const controller = new CanaryController({
    client,
    synthesize,
    gates: { callHook: async () => ({ ok: true, status: 200, body: '' }), runMetrics: async () => [], checkMetricProviders: async () => {}, now: Date.now },
    operator: { provider: 'kubernetes' },
    log: silent,
    informer: <T extends KubeObject>(type: ResourceType) => {
      watched.push(type.plural);
      return cache(type.plural) as unknown as WatchedCache<T>;
    },
  });
  return {
    controller,
    calls,
    events,
    watched,
    secrets,
    putSecret,
    status: () => canaries().get('podinfo', 'test')?.status ?? {},
    start: async () => {
      canaries().put(canary);
      await controller.start();
    },
  };
}

describe('Secrets are read by name, never listed or watched (issue #17)', function () {
  this.timeout(20_000);

  it('starts no Secret informer and lists no Secret; GETs only the Secrets the target names, and tracks those', async () => {
    const world = secretWorld();
    await world.start();
    try {
      const status = await until('Initialized', () => (world.status().phase === 'Initialized' ? world.status() : undefined));
      expect(world.watched).to.not.include('secrets');
      expect(world.watched).to.include.members(['canaries', 'deployments', 'configmaps']);
      expect(world.calls.filter((c) => c.startsWith('list '))).to.deep.equal([]);
      const secretGets = new Set(world.calls.filter((c) => c.startsWith('get secrets ')).map((c) => c.slice('get secrets test/'.length)));
      // The three the target names (app-key does not exist), and the -primary copies about to be applied.
      expect([...secretGets].sort()).to.deep.equal(['app-env', 'app-env-primary', 'app-key', 'app-tls', 'app-tls-primary']);
      expect(Object.keys(status.trackedConfigs ?? {}).sort()).to.deep.equal(['secret/app-env', 'secret/app-tls']);
      expect(world.secrets.get('test/app-env-primary')?.data).to.deep.equal({ color: b64('blue') });
    } finally {
      await world.controller.stop();
    }
  });

  it('looks at an idle Canary whose target reads Secrets every analysis interval: a changed Secret, which no watch reports, starts a rollout that promotes it', async () => {
    const world = secretWorld();
    await world.start();
    try {
      const initialized = await until('Initialized', () => (world.status().phase === 'Initialized' ? world.status() : undefined));
      // Settled: idle, nothing to do (the next look without Secrets would come in 5 min).
      await tick(200);
      const appliesBefore = world.calls.filter((c) => c === 'apply Secret test/app-env-primary').length;

      world.putSecret('app-env', { color: b64('green') });
      await until('a rollout from the Secret change', () => world.events.includes('New revision detected! Scaling up podinfo.test'));
      const done = await until('Succeeded', () => (world.status().phase === 'Succeeded' ? world.status() : undefined));
      expect(done.trackedConfigs?.['secret/app-env']).to.not.equal(initialized.trackedConfigs?.['secret/app-env']);
      expect(done.trackedConfigs?.['secret/app-tls']).to.equal(initialized.trackedConfigs?.['secret/app-tls']);
      // The promotion refreshed the primary's copy.
      expect(world.calls.filter((c) => c === 'apply Secret test/app-env-primary').length).to.be.greaterThan(appliesBefore);
      expect(world.secrets.get('test/app-env-primary')?.data).to.deep.equal({ color: b64('green') });
      expect(world.watched).to.not.include('secrets');
    } finally {
      await world.controller.stop();
    }
  });
});

describe('secret reads (pure parts)', () => {
  it('names the Secrets of volumes, projected volumes, env and envFrom of containers and initContainers, once each', () => {
    const target = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: {
        template: {
          spec: { ...podSpec, initContainers: [{ name: 'init', envFrom: [{ secretRef: { name: 'init-env' } }, { configMapRef: { name: 'cm' } }] }] },
        },
      },
    } as KubeObject;
    expect(secretNamesOf(target)).to.deep.equal(['app-tls', 'app-env', 'app-key', 'init-env']);
    expect(secretNamesOf(undefined)).to.deep.equal([]);
  });

  it('reads each named Secret with one GET and drops the missing ones', async () => {
    const asked: string[] = [];
    const client = {
      getIfExists: async (_t: ResourceType, name: string, ns: string) => {
        asked.push(`${ns}/${name}`);
        return name === 'a' ? { metadata: { name } } : undefined;
      },
    };
    expect(await readSecrets(client as never, 'test', ['a', 'b'])).to.deep.equal([{ metadata: { name: 'a' } }]);
    expect(asked).to.deep.equal(['test/a', 'test/b']);
  });

  it('caps the next look at the analysis interval only for a target that reads Secrets', () => {
    expect(lookAgainWithin(true, 60_000, 300_000)).to.equal(60_000);
    expect(lookAgainWithin(false, 60_000, 300_000)).to.equal(300_000);
    expect(lookAgainWithin(true, 600_000, 300_000)).to.equal(300_000);
  });
});
