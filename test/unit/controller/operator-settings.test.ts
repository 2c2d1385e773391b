// The operator settings the controller acts on (issue #14): Flagger's -enable-config-tracking,
// -no-cross-namespace-refs, and the synthesis settings run.ts hands to every reconcile
// (-selector-labels, -include-label-prefix, -ingress-class), against in-memory watches.
import { expect } from 'chai';
import { pino } from 'pino';
import { CanaryController, type ControllerOptions } from '../../../src/controller/controller.js';
import type { SynthesisInputs } from '../../../src/controller/executor.js';
import { synthesizerFor } from '../../../src/operator/run.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary } from '../../../src/api/types.js';
import type { KubeClient, KubeObject, ResourceType, WatchedCache } from '../../../src/kube/index.js';
import { FakeCache, statusWrites } from './fake-cache.js';

const silent = pino({ level: 'silent' });
const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

function deployment(name: string, labels: Record<string, string> = { app: 'podinfo' }): KubeObject {
  const selector = name.endsWith('-primary') ? { app: 'podinfo-primary' } : labels;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'test', generation: 1, resourceVersion: '1', labels: { ...selector, 'app.kubernetes.io/part-of': 'shop', team: 'payments' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: { containers: [{ name: 'app', image: 'app:1', envFrom: [{ configMapRef: { name: 'podinfo-env' } }] }] },
      },
    },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
  } as KubeObject;
}

const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'podinfo-env', namespace: 'test', resourceVersion: '1' },
  data: { LEVEL: 'info' },
} as KubeObject;

function canary(analysis: Record<string, unknown> = {}): Canary & KubeObject {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: 'u1', generation: 1, resourceVersion: '2', finalizers: [] },
    spec: {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '10s', threshold: 2, iterations: 2, ...analysis },
    },
  } as unknown as Canary & KubeObject;
}

/** A controller over in-memory watches of one Canary, its target, primary and a ConfigMap it uses. */
function world(options: Partial<ControllerOptions>, c = canary(), targetLabels?: Record<string, string>) {
  const caches = new Map<string, FakeCache<KubeObject>>();
  const cache = (plural: string) => {
    if (!caches.has(plural)) caches.set(plural, new FakeCache());
    return caches.get(plural)!;
  };
  const canaries = () => cache('canaries') as unknown as FakeCache<Canary & KubeObject>;
  cache('deployments').put(deployment('podinfo', targetLabels));
  cache('deployments').put(deployment('podinfo-primary'));
  cache('configmaps').put(configMap);
  const events: { type: string; message: string }[] = [];
  const synthesized: SynthesisInputs[] = [];
  let rv = 10;
  const client = {
    createEvent: async (_i: unknown, type: string, _r: string, message: string) => {
      events.push({ type, message });
      return {};
    },
    patchStatus: statusWrites(canaries, () => String(++rv)),
    mergePatch: async () => ({}),
    serverSideApply: async () => [],
    getIfExists: async () => undefined,
    list: async () => ({ items: [] }),
  } as unknown as KubeClient;
  const controller = new CanaryController({
    client,
    synthesize: (inputs) => {
      synthesized.push(inputs);
      return [];
    },
    gates: {
      callHook: async () => ({ ok: true, status: 200, body: '' }),
      runMetrics: async () => [],
      checkMetricProviders: async () => undefined,
      now: Date.now,
    },
    operator: { provider: 'kubernetes' },
    log: silent,
    informer: <T extends KubeObject>(type: ResourceType) => cache(type.plural) as unknown as WatchedCache<T>,
    ...options,
  });
  return {
    controller,
    events,
    synthesized,
    status: () => canaries().get('podinfo', 'test')?.status,
    /** Someone edits the ConfigMap the target uses. */
    editConfig: () =>
      cache('configmaps').put({ ...configMap, metadata: { ...configMap.metadata, resourceVersion: '3' }, data: { LEVEL: 'debug' } } as KubeObject),
    start: async () => {
      canaries().put(c);
      await controller.start();
    },
  };
}

async function until(check: () => boolean, what: string, withinMs = 5_000): Promise<void> {
  for (let waited = 0; waited < withinMs; waited += 10) {
    if (check()) return;
    await tick();
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('controller: -enable-config-tracking', () => {
  it('on (the default): the ConfigMap the target uses is offered to synthesis and its hash kept in the status', async () => {
    const w = world({});
    await w.start();
    try {
      await until(() => w.status()?.phase === 'Initialized', 'Initialized');
      expect(w.synthesized.at(-1)?.configs?.map((c) => c.metadata.name)).to.include('podinfo-env');
      expect(Object.keys(w.status()?.trackedConfigs ?? {})).to.deep.equal(['configmap/podinfo-env']);
      w.editConfig();
      await until(() => w.events.some((e) => e.message.startsWith('New revision detected!')), 'a new revision from the config change');
    } finally {
      await w.controller.stop();
    }
  });

  it("off: no config is offered (no -primary copy, the primary keeps the target's own) and none is tracked, so its change starts nothing", async () => {
    const w = world({ configTracking: false });
    await w.start();
    try {
      await until(() => w.status()?.phase === 'Initialized', 'Initialized');
      expect(w.synthesized.at(-1)?.configs).to.deep.equal([]);
      expect(w.status()?.trackedConfigs ?? {}).to.deep.equal({});
      const reconciles = w.synthesized.length;
      w.editConfig();
      await until(() => w.synthesized.length > reconciles, 'the reconcile the config change brings');
      await tick(50);
      expect(w.status()?.phase).to.equal('Initialized');
      expect(w.events.map((e) => e.message).filter((m) => m.startsWith('New revision'))).to.deep.equal([]);
    } finally {
      await w.controller.stop();
    }
  });
});

describe('controller: -no-cross-namespace-refs', () => {
  const crossNamespace = canary({
    metrics: [{ name: 'errors', templateRef: { name: 'error-rate', namespace: 'istio-system' }, thresholdRange: { max: 1 } }],
  });

  it("on: a Canary naming a MetricTemplate of another namespace is stalled as an invalid spec, with Flagger's reason, and nothing is synthesized", async () => {
    const w = world({ noCrossNamespaceRefs: true }, crossNamespace);
    await w.start();
    try {
      await until(() => w.events.some((e) => e.type === 'Warning'), 'a Warning Event');
      expect(w.events.find((e) => e.type === 'Warning')?.message).to.equal(
        "Invalid canary spec: spec.analysis.metrics[0].templateRef.namespace: can't access metric template error-rate.istio-system, cross-namespace references are blocked (-no-cross-namespace-refs)",
      );
      await until(() => (w.status()?.conditions ?? []).some((c) => c.type === 'Stalled'), 'the Stalled condition');
      expect(w.status()?.conditions?.find((c) => c.type === 'Stalled')).to.include({ status: 'True', reason: 'InvalidSpec' });
      expect(w.synthesized).to.deep.equal([]);
    } finally {
      await w.controller.stop();
    }
  });

  it('off (the default): the same Canary initializes', async () => {
    const w = world({}, crossNamespace);
    await w.start();
    try {
      await until(() => w.status()?.phase === 'Initialized', 'Initialized');
    } finally {
      await w.controller.stop();
    }
  });

  it("a reference to the Canary's own namespace, or without one, passes", async () => {
    const own = canary({
      metrics: [
        { name: 'a', templateRef: { name: 't', namespace: 'test' }, thresholdRange: { max: 1 } },
        { name: 'b', templateRef: { name: 't' }, thresholdRange: { max: 1 } },
      ],
      alerts: [{ name: 'slack', severity: 'info', providerRef: { name: 'on-call' } }],
    });
    const w = world({ noCrossNamespaceRefs: true }, own);
    await w.start();
    try {
      await until(() => w.status()?.phase === 'Initialized', 'Initialized');
    } finally {
      await w.controller.stop();
    }
  });
});

describe('operator: the synthesis settings reach every reconcile (run.ts synthesizerFor)', () => {
  const target = deployment('podinfo', { app: 'podinfo', release: 'podinfo-7' });
  const inputsOf = (provider: string): SynthesisInputs => {
    const c = canary();
    c.spec.provider = provider;
    return { canary: c, resolved: resolveCanary(c), target, configs: [] };
  };
  const weights = { primary: 100, canary: 0, mirror: false };
  const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;

  it("-include-label-prefix: the primary Deployment keeps the target's labels under the prefixes only", () => {
    const objects = synthesizerFor({ includeLabelPrefixes: ['app.kubernetes.io'] })(inputsOf('kubernetes'), weights, true);
    expect(find(objects, 'Deployment', 'podinfo-primary').metadata.labels).to.deep.equal({ app: 'podinfo-primary', 'app.kubernetes.io/part-of': 'shop' });
    const byDefault = synthesizerFor()(inputsOf('kubernetes'), weights, true);
    expect(find(byDefault, 'Deployment', 'podinfo-primary').metadata.labels).to.deep.equal({ app: 'podinfo-primary' });
  });

  it("-selector-labels: the first of them in the target's matchLabels selects the pods", () => {
    const objects = synthesizerFor({ selectorLabels: ['release', 'app'] })(inputsOf('kubernetes'), weights, true);
    expect(find(objects, 'Deployment', 'podinfo-primary').spec.selector).to.deep.equal({ matchLabels: { release: 'podinfo-7-primary' } });
    expect(find(objects, 'Service', 'podinfo-canary').spec.selector).to.deep.equal({ release: 'podinfo-7' });
  });

  it("-ingress-class: Contour's HTTPProxy carries spec.ingressClassName", () => {
    const objects = synthesizerFor({ ingressClass: 'contour' })(inputsOf('contour'), weights, false);
    expect(find(objects, 'HTTPProxy', 'podinfo').spec.ingressClassName).to.equal('contour');
  });
});
