// Objects a user wrote before the Canary (issue #14): a user's apex Service gets Sluice's ports
// (Flagger replaces them; an apply would keep the user's beside Sluice's), and a user's
// VirtualService is taken over without becoming the Canary's, its spec kept to be put back.
import { expect } from 'chai';
import { pino } from 'pino';
import {
  takeOver,
  virtualServiceRestore,
  ORIGINAL_CONFIGURATION_ANNOTATION,
  KUBECTL_LAST_APPLIED_ANNOTATION,
} from '../../../src/controller/takeover-objects.js';
import { execute, ConflictError, type ExecutorDeps } from '../../../src/controller/executor.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary } from '../../../src/api/types.js';
import type { KubeObject } from '../../../src/kube/index.js';
import { KubeError } from '../../../src/kube/errors.js';
import { restoreVirtualService } from '../../../src/controller/finalizer.js';

const UID = 'canary-uid';
const owner = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid: UID, controller: true, blockOwnerDeletion: true };

/** The apex Service Sluice synthesizes for Flagger's test-deployment.sh Canary (service.name podinfo-svc, port 80). */
const sluiceService = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'podinfo-svc', namespace: 'test', ownerReferences: [owner] },
  spec: { type: 'ClusterIP', selector: { app: 'podinfo-primary' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9898 }] },
});

/** The user's own podinfo-svc, as the apiserver returns it. */
const userService = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'podinfo-svc', namespace: 'test', resourceVersion: '41' },
  spec: {
    type: 'ClusterIP',
    clusterIP: '10.96.0.12',
    selector: { app: 'podinfo' },
    ports: [{ name: 'http', protocol: 'TCP', port: 9898, targetPort: 'http' }],
  },
});

const userVirtualServiceSpec = {
  gateways: ['istio-system/ingressgateway'],
  hosts: ['app.example.com', 'podinfo'],
  http: [
    { retries: { attempts: 3, perTryTimeout: '1s', retryOn: 'gateway-error,connect-failure,refused-stream' }, route: [{ destination: { host: 'podinfo' } }] },
  ],
};

const sluiceVirtualService = (): KubeObject => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: {
    name: 'podinfo',
    namespace: 'test',
    ownerReferences: [owner],
    annotations: { 'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' },
  },
  spec: {
    hosts: ['podinfo'],
    gateways: ['mesh'],
    http: [
      {
        route: [
          { destination: { host: 'podinfo-primary' }, weight: 100 },
          { destination: { host: 'podinfo-canary' }, weight: 0 },
        ],
      },
    ],
  },
});

const liveVirtualService = (annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name: 'podinfo', namespace: 'test', resourceVersion: '77', annotations, ...extra },
  spec: structuredClone(userVirtualServiceSpec),
});

describe('takeover of objects written before the Canary: Service ports', () => {
  it("a user's Service with a port Sluice does not generate: its ports are replaced first, on condition of the version seen", () => {
    const plan = takeOver(sluiceService(), userService(), UID);
    expect(plan.apply.spec).to.deep.equal(sluiceService().spec);
    expect(plan.patchFirst).to.deep.equal({
      metadata: { resourceVersion: '41' },
      spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9898 }] },
    });
  });

  it("a user's Service does not become the Canary's: no owner reference, none of Sluice's labels or annotations (Flagger's reconcileService)", () => {
    const labelled = sluiceService();
    labelled.metadata.labels = { app: 'podinfo-svc', team: 'apex' };
    labelled.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' };
    const { apply } = takeOver(labelled, userService(), UID);
    expect(apply.metadata).to.deep.equal({ name: 'podinfo-svc', namespace: 'test' });
    expect(apply.spec).to.deep.equal(sluiceService().spec);
  });

  it('a Service the Canary owns (Sluice or Flagger created it) keeps its owner reference and metadata', () => {
    const live = { ...userService(), metadata: { ...userService().metadata, ownerReferences: [owner] } };
    expect(takeOver(sluiceService(), live, UID).apply).to.deep.equal(sluiceService());
    // Without the Canary's uid nothing tells a user's Service from Sluice's: applied as synthesized.
    expect(takeOver(sluiceService(), userService(), undefined).apply).to.deep.equal(sluiceService());
  });

  it("a Service whose ports are all Sluice's (as the apiserver returns them) needs no replace", () => {
    const live: KubeObject = { ...sluiceService(), metadata: { ...sluiceService().metadata, resourceVersion: '5' } };
    (live.spec as { ports: unknown[] }).ports = [{ name: 'http', port: 80, targetPort: 9898, protocol: 'TCP' }];
    expect(takeOver(sluiceService(), live, UID).patchFirst).to.equal(undefined);
    expect(takeOver(sluiceService(), null, UID)).to.deep.equal({ apply: sluiceService() });
  });
});

describe("takeover of objects written before the Canary: a user's VirtualService", () => {
  it("is not made the Canary's, and the spec found is kept in flagger.kubernetes.io/original-configuration", () => {
    const { apply, patchFirst } = takeOver(sluiceVirtualService(), liveVirtualService(), UID);
    expect(patchFirst).to.equal(undefined);
    expect(apply.metadata).to.not.have.property('ownerReferences');
    expect(JSON.parse(apply.metadata.annotations![ORIGINAL_CONFIGURATION_ANNOTATION])).to.deep.equal(userVirtualServiceSpec);
    expect(apply.spec).to.deep.equal(sluiceVirtualService().spec);
  });

  it("a recorded original configuration is carried as it is, never replaced by Sluice's own spec", () => {
    const recorded = JSON.stringify({ hosts: ['first'] });
    const live = liveVirtualService({ [ORIGINAL_CONFIGURATION_ANNOTATION]: recorded });
    live.spec = sluiceVirtualService().spec;
    expect(takeOver(sluiceVirtualService(), live, UID).apply.metadata.annotations![ORIGINAL_CONFIGURATION_ANNOTATION]).to.equal(recorded);
  });

  it("with kubectl's last-applied-configuration (which holds the user's spec), no second record is written, as Flagger", () => {
    const live = liveVirtualService({ [KUBECTL_LAST_APPLIED_ANNOTATION]: JSON.stringify({ spec: userVirtualServiceSpec }) });
    const { apply } = takeOver(sluiceVirtualService(), live, UID);
    expect(apply.metadata.annotations).to.not.have.property(ORIGINAL_CONFIGURATION_ANNOTATION);
    expect(apply.metadata).to.not.have.property('ownerReferences');
  });

  it('a VirtualService the Canary owns (Sluice or Flagger created it) is applied as synthesized', () => {
    const live = liveVirtualService({}, { ownerReferences: [owner] });
    expect(takeOver(sluiceVirtualService(), live, UID)).to.deep.equal({ apply: sluiceVirtualService() });
  });
});

describe("giving a user's VirtualService back (revertOnDeletion)", () => {
  const taken = (annotations: Record<string, string>): KubeObject => ({
    ...liveVirtualService({ 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled', 'helm.toolkit.fluxcd.io/driftDetection': 'disabled', ...annotations }),
    spec: { ...(sluiceVirtualService().spec as object), tcp: [{ route: [] }] },
  });

  it('restores the original configuration, deleting what it lacks, and lets Flux manage the object again', () => {
    const patch = virtualServiceRestore(taken({ [ORIGINAL_CONFIGURATION_ANNOTATION]: JSON.stringify(userVirtualServiceSpec) }));
    expect(patch).to.deep.equal({
      metadata: { resourceVersion: '77', annotations: { 'helm.toolkit.fluxcd.io/driftDetection': null, 'kustomize.toolkit.fluxcd.io/reconcile': null } },
      spec: { tcp: null, ...userVirtualServiceSpec },
    });
  });

  it("prefers kubectl's last-applied-configuration, as Flagger, and keeps annotations the user applied", () => {
    const applied = { metadata: { annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } }, spec: { hosts: ['applied'] } };
    const patch = virtualServiceRestore(
      taken({ [KUBECTL_LAST_APPLIED_ANNOTATION]: JSON.stringify(applied), [ORIGINAL_CONFIGURATION_ANNOTATION]: '{"hosts":["other"]}' }),
    );
    expect(patch?.spec).to.deep.equal({ gateways: null, http: null, tcp: null, hosts: ['applied'] });
    expect((patch?.metadata as any).annotations).to.deep.equal({ 'helm.toolkit.fluxcd.io/driftDetection': null });
  });

  it('nothing to restore from (or a record that is not JSON): nothing is written', () => {
    expect(virtualServiceRestore(taken({}))).to.equal(undefined);
    expect(virtualServiceRestore(taken({ [ORIGINAL_CONFIGURATION_ANNOTATION]: '{not json' }))).to.equal(undefined);
  });
});

describe('executor: taking over before applying', () => {
  const canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: UID, resourceVersion: '1' },
    spec: {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { name: 'podinfo-svc', port: 80, targetPort: 9898 },
    },
    status: { phase: 'Initializing' },
  } as unknown as Canary;

  function deps(calls: string[], mergePatch: () => Promise<unknown>): ExecutorDeps {
    return {
      client: {
        discovery: { resourceFor: async () => ({ group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true }) },
        mergePatch: async (_t: unknown, name: string) => {
          calls.push(`patch ${name}`);
          return mergePatch();
        },
        serverSideApply: async (objects: KubeObject[]) => {
          calls.push(...objects.map((o) => `apply ${o.metadata.name}`));
          return objects;
        },
        patchStatus: async () => canary,
        createEvent: async () => ({}),
      } as unknown as ExecutorDeps['client'],
      synthesize: () => [sluiceService()],
      live: () => userService(),
      gates: { callHook: async () => ({ ok: true, status: 200, body: '' }), runMetrics: async () => [], now: () => 0 },
      log: pino({ level: 'silent' }),
      memo: new Map(),
      reapplyEveryMs: 300_000,
      now: () => 0,
    };
  }
  const decision = {
    status: { phase: 'Initializing' as const },
    sync: { weights: { primary: 100, canary: 0, mirror: false }, primaryFromTarget: false },
    events: [],
    alerts: [],
    requeueAfterMs: 0,
  };
  const inputs = { canary, resolved: resolveCanary(canary), target: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'podinfo' } } };

  it("replaces the user's ports, then applies", async () => {
    const calls: string[] = [];
    await execute(
      decision,
      inputs,
      deps(calls, async () => ({})),
    );
    expect(calls).to.deep.equal(['patch podinfo-svc', 'apply podinfo-svc']);
  });

  it('a Service changed since it was seen is a conflict: retried from the newer version, nothing applied', async () => {
    const calls: string[] = [];
    const conflict = async () => {
      throw new KubeError(409, 'Conflict', 'the object has been modified', 'PATCH');
    };
    let thrown: unknown;
    await execute(decision, inputs, deps(calls, conflict)).catch((err: unknown) => {
      thrown = err;
    });
    expect(thrown).to.be.instanceOf(ConflictError);
    expect(calls).to.deep.equal(['patch podinfo-svc']);
  });
});

describe('finalizer: restoreVirtualService', () => {
  const resolved = (provider: string) =>
    resolveCanary({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'podinfo', namespace: 'test', uid: UID },
      spec: { provider, targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 80 } },
    } as unknown as Canary);
  const vsType = { group: 'networking.istio.io', version: 'v1beta1', plural: 'virtualservices', kind: 'VirtualService', namespaced: true };
  const client = (live: KubeObject | undefined, patches: unknown[], discovery = async () => vsType) =>
    ({
      discovery: { resourceFor: discovery },
      getIfExists: async () => live,
      mergePatch: async (_t: unknown, _n: string, _ns: string, patch: unknown) => {
        patches.push(patch);
        return {};
      },
    }) as unknown as Parameters<typeof restoreVirtualService>[0];

  it("puts the user's spec back on a VirtualService the Canary took over", async () => {
    const patches: unknown[] = [];
    const live = liveVirtualService({ [ORIGINAL_CONFIGURATION_ANNOTATION]: JSON.stringify(userVirtualServiceSpec) });
    expect(await restoreVirtualService(client(live, patches), resolved('istio'), UID)).to.equal(true);
    expect(patches).to.deep.equal([virtualServiceRestore(live)]);
  });

  it("leaves the Canary's own VirtualService to the garbage collector, and other providers alone", async () => {
    const patches: unknown[] = [];
    const owned = liveVirtualService({ [ORIGINAL_CONFIGURATION_ANNOTATION]: '{}' }, { ownerReferences: [owner] });
    expect(await restoreVirtualService(client(owned, patches), resolved('istio'), UID)).to.equal(false);
    expect(await restoreVirtualService(client(liveVirtualService(), patches), resolved('linkerd'), UID)).to.equal(false);
    expect(patches).to.deep.equal([]);
  });

  it("without Istio's CRD the deletion goes on", async () => {
    const missing = async () => {
      throw new KubeError(404, 'NotFound', 'the server has no kind VirtualService', 'discover');
    };
    expect(await restoreVirtualService(client(undefined, [], missing), resolved('istio'), UID)).to.equal(false);
  });
});
