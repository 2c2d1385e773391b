// The canary controller: watches Canaries and everything they depend on, and reconciles each
// Canary through decide() -> gates -> execute(). Watches, not polls, find changes; the analysis
// interval only paces the steps. Secrets are the exception: read by name, never watched
// (secret-reads.ts), so a Canary whose target reads Secrets is looked at every interval.
import type { Logger } from '../log.js';
import type { Canary } from '../api/types.js';
import { resolveCanary, type OperatorDefaults, type ResolvedCanary } from '../api/defaults.js';
import { validateCanary } from '../api/validate.js';
import { crossNamespaceProblems } from '../api/cross-namespace.js';
import { formatProblem } from '../api/problem.js';
import { decide, IDLE_RESYNC_MS } from '../rollout/decide.js';
import type { Decision } from '../rollout/decision.js';
import { trimCoreObject } from './core-cache-trim.js';
import { RESOURCES, isConflict, isNotFound, startInformer, type KubeClient, type KubeObject, type ResourceType, type WatchedCache } from '../kube/index.js';
import { WorkQueue } from './work-queue.js';
import { RoutingCaches } from './routing-caches.js';
import { observe, type Snapshot } from './observe.js';
import { runGate, type GateDeps } from './gates.js';
import {
  execute,
  recoverPendingEvents,
  ConflictError,
  CanaryGoneError,
  type AlertSink,
  type ExecutorDeps,
  type Synthesize,
  type SynthesisInputs,
} from './executor.js';
import type { ConfigJson } from '../synth/kube-json.js';
import type { ControllerMetrics } from './metrics.js';
import { FINALIZER, finalizeStep, hasFinalizer, releaseApexService, restoreVirtualService, wantedFinalizers } from './finalizer.js';
import { targetIsService, targetKindOf } from '../api/workloads.js';
import { isScalerPaused, scaleTarget, setScalerPaused } from './target-scale.js';
import { workloadView } from './workload-view.js';
import { checkMetricProviders } from './metric-providers.js';
import { clusterMetricDeps } from './cluster-metric-deps.js';
import { isReferencedKind, MissingReferenceError, referencesOf, refersTo, type ReferenceRole } from './references.js';
import { ReconcileHandler } from './reconcile-handler.js';
import { DONE, requeueAfter, TerminalError, type Result } from './result.js';
import { alreadyStalled, withStalled, withoutStalled } from './stall.js';
import { SynthError } from '../synth/errors.js';
import { capMessage } from '../api/message.js';
import { targetsDeployment, targetsKnativeService } from '../admission/canary-lookup.js';
import { isKnativeTarget, latestRevisionOf } from '../api/knative.js';
import { knativePrimaryView, knativeTargetView } from './knative-view.js';
import type { CanaryRefNames } from '../analysis/run-checks.js';
import type { Backoff } from './backoff.js';
import { CanaryLanes } from './canary-lanes.js';
import { GateSessions } from './gate-sessions.js';
import { isSecret, lookAgainWithin, readSecrets, secretNamesOf, StoredSecrets } from './secret-reads.js';

export interface ControllerOptions {
  readonly client: KubeClient;
  readonly synthesize: Synthesize;
  readonly gates: GateDeps;
  readonly operator: OperatorDefaults;
  readonly log: Logger;
  readonly alerts?: AlertSink;
  readonly metrics?: ControllerMetrics;
  /** Watch only this namespace; default all. */
  readonly namespace?: string;
  readonly concurrency?: number;
  readonly now?: () => number;
  /** Per-key backoff of failing reconciles; default 1 s doubling to 5 min. */
  readonly backoff?: Backoff;
  /** Starts the watch of one resource; tests pass in-memory caches. @default startInformer */
  readonly informer?: <T extends KubeObject>(type: ResourceType) => WatchedCache<T>;
  /** Flagger's -enable-config-tracking: false copies no ConfigMap or Secret and starts no rollout on their change. @default true */
  readonly configTracking?: boolean;
  /** Flagger's -no-cross-namespace-refs: a Canary naming another namespace's objects is invalid. @default false */
  readonly noCrossNamespaceRefs?: boolean;
  /** Flagger's -event-webhook: where the Events of Canaries without an `event` webhook are posted. */
  readonly eventWebhook?: string;
}

/** On stop, how long outbound calls in flight (gates, webhooks, alerts) may still finish. */
const LANES_DRAIN_MS = 5_000;
/** A status write that lost a race is redone this soon, from the newer version. */
const CONFLICT_RETRY_MS = 200;
/** revertOnDeletion: how often a deleted Canary looks at its target while handing it back. */
const FINALIZE_POLL_MS = 1_000;
/**
 * A hard ceiling on how long one Canary waits between looks, whatever its interval: the idle
 * safety-net look (watches bring every change but a Secret's). It was 60 s, which capped the idle
 * look at a minute: 1,000 idle Canaries then cost 8-12 % of a core (bench/scale.ts).
 */
const MAX_REQUEUE_MS = IDLE_RESYNC_MS;

/** Generated kinds the controller's own caches hold. Not Secrets: those are read by name. */
const CORE_KINDS: Record<string, 'deployments' | 'daemonSets' | 'services' | 'hpas' | 'configMaps'> = {
  'apps/v1|Deployment': 'deployments',
  'apps/v1|DaemonSet': 'daemonSets',
  'v1|Service': 'services',
  'autoscaling/v2|HorizontalPodAutoscaler': 'hpas',
  'v1|ConfigMap': 'configMaps',
};
/** Which of the controller's own caches holds this kind, if any (else a routing cache does, Secrets aside). */
const coreCacheOf = (o: KubeObject) => CORE_KINDS[`${o.apiVersion}|${o.kind}`];

/** A write to a Canary that no longer exists did what it was for: the Canary is gone. */
const unlessGone = (err: unknown): undefined => {
  if (isNotFound(err)) return undefined;
  throw err;
};

/** What decide() sees of a Deployment or DaemonSet target and its primary. */
function workloadViewsOf(kind: string, target: KubeObject | undefined, primary: KubeObject | undefined): Pick<Snapshot, 'target' | 'primary'> {
  const t = workloadView(kind, target);
  const p = workloadView(kind, primary);
  return { ...(t ? { target: t } : {}), ...(p ? { primary: p } : {}) };
}

/** What decide() sees of a Knative Service target: its latest revision, and the primary revision once named. */
function knativeViewsOf(service: KubeObject | undefined): Pick<Snapshot, 'target' | 'primary'> {
  if (!service) return {};
  const primary = knativePrimaryView(service);
  return { target: knativeTargetView(service), ...(primary ? { primary } : {}) };
}

/** What the metric queries' `{{ route }}` stands for beyond the Canary's own names: a Knative target's latest revision (Flagger's). */
function metricRefsOf(canary: Canary, target: KubeObject | undefined): CanaryRefNames | undefined {
  const latest = isKnativeTarget(canary.spec.targetRef) ? latestRevisionOf(target) : undefined;
  return latest ? { route: latest } : undefined;
}

const keyOf = (namespace: string | undefined, name: string | undefined) => `${namespace ?? 'default'}/${name ?? ''}`;

export class CanaryController {
  private readonly queue: WorkQueue;
  private readonly now: () => number;
  private readonly memo = new Map<string, { hash: string; at: number }>();
  /** Our own last status write per Canary, used until the watch delivers it (no step twice). */
  private readonly written = new Map<string, { superseded: ReadonlySet<string>; canary: Canary }>();
  /** Canaries whose pending Events this process has checked since it started. */
  private readonly recovered = new Set<string>();
  /**
   * Canaries stopped by a TerminalError: the generation and message reported. An update of such
   * a Canary at the same generation (our own status write, a label) does not bring it back.
   */
  private readonly stalled = new Map<string, { generation: number | undefined; message: string }>();
  private readonly handler: ReconcileHandler;
  /** Each Canary's outbound calls, one at a time, off the reconcile workers. */
  private readonly lanes: CanaryLanes;
  private readonly gateSessions: GateSessions;
  private canaries!: WatchedCache<Canary & KubeObject>;
  private deployments!: WatchedCache<KubeObject>;
  private daemonSets!: WatchedCache<KubeObject>;
  private services!: WatchedCache<KubeObject>;
  private hpas!: WatchedCache<KubeObject>;
  private configMaps!: WatchedCache<KubeObject>;
  private routing!: RoutingCaches;
  private deps!: ExecutorDeps;
  private readonly gates: GateDeps;
  private started = false;

  constructor(private readonly opts: ControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.gates = { ...opts.gates, checkMetricProviders: opts.gates.checkMetricProviders ?? this.checkMetricProviders };
    this.queue = new WorkQueue((key) => this.handler.handle(key), opts.concurrency ?? 4);
    this.lanes = new CanaryLanes((key, err) => opts.log.error({ canary: key, err }, 'outbound task failed'));
    this.gateSessions = new GateSessions(this.lanes, (key) => this.queue.add(key));
    this.handler = new ReconcileHandler((key) => this.reconcile(key), this.queue, {
      log: opts.log,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      onTerminal: (key, err) => this.stall(key, err),
    });
  }

  async start(): Promise<void> {
    const { client, namespace } = this.opts;
    const options = { ...(namespace ? { namespace } : {}), log: this.opts.log };
    const watch =
      this.opts.informer ?? (<T extends KubeObject>(type: ResourceType) => startInformer<T>(client, type, { ...options, transform: trimCoreObject }));
    this.canaries = watch(RESOURCES.canaries);
    this.deployments = watch(RESOURCES.deployments);
    this.daemonSets = watch(RESOURCES.daemonSets);
    this.services = watch(RESOURCES.services);
    this.hpas = watch(RESOURCES.horizontalPodAutoscalers);
    this.configMaps = watch(RESOURCES.configMaps);
    await Promise.all([this.canaries, this.deployments, this.daemonSets, this.services, this.hpas, this.configMaps].map((c) => c.synced));
    // A generated route changed by someone else (or deleted) brings its Canary back to repair it.
    this.routing = new RoutingCaches(client, { ...options, now: this.now }, (o) => {
      const owner = o.metadata.ownerReferences?.find((r) => r.kind === 'Canary' && r.apiVersion.startsWith('flagger.app/'));
      if (owner) this.queue.add(keyOf(o.metadata.namespace, owner.name));
      // The user's Ingress or Upstream that a Canary copies from (an Upstream may be in another namespace).
      if (isReferencedKind(o)) this.enqueueWhere(undefined, (c) => refersTo(c, o));
    });
    this.deps = {
      client,
      synthesize: this.opts.synthesize,
      live: this.live,
      whenLiveKnown: (objects) => this.routing.whenSynced(objects.filter((o) => !coreCacheOf(o) && !isSecret(o))),
      gates: this.gates,
      ...(this.opts.alerts ? { alerts: this.opts.alerts } : {}),
      log: this.opts.log,
      memo: this.memo,
      reapplyEveryMs: 5 * 60_000,
      now: this.now,
      lanes: this.lanes,
      ...(this.opts.eventWebhook ? { eventWebhook: this.opts.eventWebhook } : {}),
    };

    const enqueueCanary = (c: KubeObject) => this.queue.add(keyOf(c.metadata.namespace, c.metadata.name));
    this.canaries.onAdd(enqueueCanary);
    // A stalled Canary comes back when its spec changes, not on every update of its status.
    this.canaries.onUpdate((c) => {
      if (!this.stillStalled(c)) enqueueCanary(c);
    });
    this.canaries.onDelete((c) => {
      this.stalled.delete(keyOf(c.metadata.namespace, c.metadata.name));
      this.gateSessions.forget(keyOf(c.metadata.namespace, c.metadata.name));
      this.opts.metrics?.forget(c as unknown as Canary);
    });
    const byTarget = (o: KubeObject) =>
      this.enqueueWhere(o.metadata.namespace, (c) => {
        const t = c.spec?.targetRef?.name;
        return t === o.metadata.name || `${t}-primary` === o.metadata.name;
      });
    for (const cache of [this.deployments, this.daemonSets, this.services]) {
      cache.onAdd(byTarget);
      cache.onUpdate(byTarget);
      cache.onDelete(byTarget);
    }
    const byScaler = (o: KubeObject) =>
      this.enqueueWhere(o.metadata.namespace, (c) => {
        const h = c.spec?.autoscalerRef?.name;
        return h !== undefined && (h === o.metadata.name || `${h}-primary` === o.metadata.name);
      });
    this.hpas.onAdd(byScaler);
    this.hpas.onUpdate(byScaler);
    this.hpas.onDelete(byScaler);
    // A ConfigMap change matters to the Canaries of its namespace whose target uses it; decide() sorts that out.
    const byNamespace = (o: KubeObject) => this.enqueueWhere(o.metadata.namespace, () => true);
    this.configMaps.onAdd(byNamespace);
    this.configMaps.onUpdate(byNamespace);
    this.configMaps.onDelete(byNamespace);
    for (const c of this.canaries.list()) enqueueCanary(c);
    this.started = true;
    this.opts.log.info({ canaries: this.canaries.list().length }, 'controller started');
  }

  isReady(): boolean {
    return this.started;
  }

  /** Finishes in-flight reconciles, then stops watching. */
  async stop(): Promise<void> {
    await this.queue.shutdown();
    await this.lanes.drain(LANES_DRAIN_MS);
    await Promise.all(
      [this.canaries, this.deployments, this.daemonSets, this.services, this.hpas, this.configMaps, this.routing].filter(Boolean).map((c) => c.stop()),
    );
    this.started = false;
  }

  /** Canaries known to the cache, for /metrics and the CLI. */
  listCanaries(): readonly Canary[] {
    return this.canaries?.list() ?? [];
  }

  /** The Canary that targets this Deployment (this Knative Service when `knative`), for the admission webhook. */
  findByTarget(namespace: string, deploymentName: string, knative = false): Canary | undefined {
    // By kind too: a Canary of a DaemonSet named like this Deployment is not its Canary.
    const targets = knative ? targetsKnativeService : targetsDeployment;
    return this.canaries?.list(namespace).find((c) => targets(c, namespace, deploymentName));
  }

  /** True while a Canary stopped by a TerminalError has not changed its spec since. */
  private stillStalled(c: Canary): boolean {
    const stall = this.stalled.get(keyOf(c.metadata.namespace, c.metadata.name));
    return stall !== undefined && !c.metadata.deletionTimestamp && stall.generation === c.metadata.generation;
  }

  private enqueueWhere(namespace: string | undefined, match: (c: Canary) => boolean): void {
    for (const c of this.canaries.list(namespace)) if (match(c)) this.queue.add(keyOf(c.metadata.namespace, c.metadata.name));
  }

  /**
   * The Ingress and Upstream the Canary names, from their watches (started on first use, like the
   * routing kinds'; the generated `<ingress>-canary` shares the Ingress cache), or read directly
   * while a watch cannot answer. Throws MissingReferenceError when one does not exist.
   */
  private async referenced(canary: Canary): Promise<Partial<Record<ReferenceRole, KubeObject>>> {
    const refs = referencesOf(canary);
    if (!refs.length) return {};
    await this.routing.whenSynced(refs.map((r) => r.object));
    const out: Partial<Record<ReferenceRole, KubeObject>> = {};
    for (const ref of refs) {
      const {
        apiVersion,
        kind,
        metadata: { name, namespace },
      } = ref.object;
      let found = this.routing.lookup(ref.object);
      if (found === undefined) {
        const type = await this.opts.client.discovery.resourceFor(apiVersion, kind);
        found = (await this.opts.client.getIfExists<KubeObject>(type, name!, namespace)) ?? null;
      }
      if (!found) throw new MissingReferenceError(ref);
      out[ref.role] = found;
    }
    return out;
  }

  /** referenced(); a missing object is terminal: its watch brings the Canary back once it exists. */
  private async referencedOrStall(canary: Canary): Promise<Partial<Record<ReferenceRole, KubeObject>>> {
    try {
      return await this.referenced(canary);
    } catch (err) {
      if (err instanceof MissingReferenceError) throw new TerminalError('ReferenceNotFound', err.message, { cause: err });
      throw err;
    }
  }

  /**
   * What the Canary's reconcile sees: the caches, and the Secrets its target names, read now.
   * `readsSecrets`: the target names Secrets, whose changes no watch reports.
   */
  private async snapshot(
    canary: Canary,
    referenced: Partial<Record<ReferenceRole, KubeObject>>,
  ): Promise<{ snap: Snapshot; inputs: SynthesisInputs; readsSecrets: boolean }> {
    const ns = canary.metadata.namespace ?? 'default';
    const knative = isKnativeTarget(canary.spec.targetRef);
    const { target, views } = this.targetViews(canary, ns, referenced);
    // A ScaledObject comes with the references (`referenced`); only an HPA has a cache of its own.
    const hpaName = canary.spec.autoscalerRef?.kind === 'HorizontalPodAutoscaler' ? canary.spec.autoscalerRef.name : undefined;
    const hpa = hpaName ? this.hpas.get(hpaName, ns) : undefined;
    const primaryHpa = hpaName ? this.hpas.get(`${hpaName}-primary`, ns) : undefined;
    // Without config tracking no config is offered: none is copied, hashed or looked at for a change.
    // Knative makes a revision of a template change only: a ConfigMap change is none (Flagger tracks none for it).
    const tracking = this.opts.configTracking !== false && !knative;
    const secretNames = tracking ? secretNamesOf(target) : [];
    const secrets = await readSecrets(this.opts.client, ns, secretNames);
    const configs = (tracking ? [...this.configMaps.list(ns), ...secrets] : []) as unknown as ConfigJson[];
    const resolved = resolveCanary(canary, this.opts.operator);
    // A ScaledObject's minReplicaCount stands for an HPA's minReplicas when the target scales up.
    const { scaledObject, ...byField } = referenced;
    const scaledMin = (scaledObject?.spec as { minReplicaCount?: number } | undefined)?.minReplicaCount;
    const scaler = primaryHpa ?? hpa ?? (scaledMin !== undefined ? { spec: { minReplicas: scaledMin } } : undefined);
    return {
      snap: {
        canary,
        ...views,
        ...(scaler ? { hpa: scaler as Snapshot['hpa'] } : {}),
        configs,
      },
      inputs: {
        canary,
        resolved,
        ...(target ? { target } : {}),
        ...(hpa ? { hpa } : {}),
        configs: configs as unknown as KubeObject[],
        // The target's ScaledObject is an autoscaler's input; the rest are the reference fields' objects.
        ...(scaledObject ? { scaledObject } : {}),
        referenced: byField,
      },
      readsSecrets: secretNames.length > 0,
    };
  }

  /** The target and what the rollout reads of it and its primary, from the caches. */
  private targetViews(canary: Canary, ns: string, referenced: Partial<Record<ReferenceRole, KubeObject>>) {
    // A Knative Service comes with the references (`referenced`); its primary is one of its revisions.
    if (isKnativeTarget(canary.spec.targetRef)) return { target: referenced.knativeService, views: knativeViewsOf(referenced.knativeService) };
    const targetName = canary.spec.targetRef.name;
    const kind = targetKindOf(canary.spec.targetRef);
    const workloads = this.workloadsOf(kind);
    const target = workloads.get(targetName, ns);
    return { target, views: workloadViewsOf(kind, target, workloads.get(`${targetName}-primary`, ns)) };
  }

  /** revertOnDeletion: the target's ScaledObject, if it has one, no longer paused. */
  private async resumeScaler(canary: Canary, namespace: string): Promise<void> {
    const ref = referencesOf(canary).find((r) => r.role === 'scaledObject');
    if (!ref) return;
    const type = await this.opts.client.discovery.resourceFor(ref.object.apiVersion, ref.object.kind);
    const scaledObject = await this.opts.client.getIfExists<KubeObject>(type, ref.object.metadata.name!, namespace);
    if (scaledObject && isScalerPaused(scaledObject))
      await setScalerPaused(this.opts.client, { ...scaledObject, apiVersion: ref.object.apiVersion, kind: ref.object.kind }, false);
  }

  /** The cache of the target's kind: Deployments, DaemonSets, or Services. */
  private workloadsOf(kind: string): WatchedCache<KubeObject> {
    if (kind === 'Service') return this.services;
    return kind === 'DaemonSet' ? this.daemonSets : this.deployments;
  }

  /** The executor's view for one reconcile: the stored `-primary` Secret copies are read just before an apply. */
  private depsForOneReconcile(): ExecutorDeps {
    const secrets = new StoredSecrets(this.opts.client);
    return {
      ...this.deps,
      live: (o) => (isSecret(o) ? secrets.lookup(o) : this.live(o)),
      whenLiveKnown: async (objects) => {
        await Promise.all([secrets.read(objects), this.deps.whenLiveKnown?.(objects)]);
      },
    };
  }

  /** The metric providers check through the cluster's MetricTemplates and Secrets, when the caller gives none. */
  private checkMetricProviders = (resolved: ResolvedCanary): Promise<void> => checkMetricProviders(resolved, clusterMetricDeps(this.opts.client));

  /** Live objects from the caches: the ones the controller keeps anyway, and the routing kinds'. */
  private live = (o: KubeObject): KubeObject | null | undefined => {
    const { name, namespace } = o.metadata;
    // No cache holds Secrets, and none may be started for them.
    if (!name || isSecret(o)) return undefined;
    const core = coreCacheOf(o);
    if (core) return this[core].get(name, namespace) ?? null;
    return this.routing.lookup(o);
  };

  /**
   * A TerminalError of `key`'s reconcile: one Warning Event per distinct message, and the Stalled
   * condition in the status. Throws (and is retried with backoff) only when the cluster refuses.
   */
  private async stall(key: string, err: TerminalError): Promise<void> {
    const [namespace, name] = key.split('/');
    const canary = this.canaries.get(name, namespace);
    if (!canary || canary.metadata.deletionTimestamp) return;
    const message = capMessage(err.message);
    const generation = canary.metadata.generation;
    const told = this.stalled.get(key)?.message === message;
    const written = alreadyStalled(canary.status, err);
    // Stalled from now on, even if the writes below fail: only their retry brings it back early.
    this.stalled.set(key, { generation, message: told ? message : '' });
    if (told && written) return;
    const involved = { apiVersion: canary.apiVersion, kind: 'Canary', name, namespace, ...(canary.metadata.uid ? { uid: canary.metadata.uid } : {}) };
    // Said already (by this process, or by an earlier one: the status says so): no second Event.
    if (!told && !written) {
      this.opts.log
        .child({ canary: key })
        .warn({ reason: err.reason, err }, `canary stalled (${err.reason}) until its spec or what it references changes: ${message}`);
      await this.opts.client.createEvent(involved, 'Warning', 'Synced', message, new Date(this.now()));
    }
    this.stalled.set(key, { generation, message });
    if (written) return;
    // Conditional like every status write, and like theirs a conflict (our own write of this
    // reconcile, not yet in the cache) is looked at again shortly from the newer version.
    try {
      await this.opts.client
        .patchStatus(RESOURCES.canaries, name, namespace, {
          metadata: { resourceVersion: canary.metadata.resourceVersion },
          status: { conditions: withStalled(canary.status, err, new Date(this.now()).toISOString()) },
        })
        .catch(unlessGone);
    } catch (patchErr) {
      if (!isConflict(patchErr)) throw patchErr;
      this.opts.log.debug({ canary: key }, 'Stalled condition not written: the Canary changed meanwhile');
      this.queue.addAfter(key, CONFLICT_RETRY_MS);
    }
  }

  /** revertOnDeletion: give the workload back step by step, then let the Canary go. */
  private async finalize(canary: Canary, key: string): Promise<Result> {
    const resolved = resolveCanary(canary, this.opts.operator);
    const ns = resolved.namespace;
    const kind = targetKindOf(canary.spec.targetRef);
    // Flagger's knative Finalize does nothing: the Service and its revisions stay as they are.
    if (isKnativeTarget(canary.spec.targetRef)) return this.releaseFinalizer(canary, resolved);
    const target = this.workloadsOf(kind).get(resolved.targetName, ns);
    const primary = this.workloadsOf(kind).get(`${resolved.targetName}-primary`, ns);
    const involved = {
      apiVersion: canary.apiVersion,
      kind: 'Canary',
      name: resolved.name,
      namespace: ns,
      ...(canary.metadata.uid ? { uid: canary.metadata.uid } : {}),
    };
    const step = finalizeStep(resolved, workloadView(kind, target), workloadView(kind, primary));
    const log = this.opts.log.child({ canary: key });
    const event = (type: 'Normal' | 'Warning', message: string) =>
      this.opts.client.createEvent(involved, type, 'Synced', capMessage(message)).catch((err: unknown) => log.warn({ err }, 'event not recorded'));
    if (step.kind === 'scale-target') {
      log.info(step.event.message);
      await event(step.event.type, step.event.message);
      // Handed back with its ScaledObject running: paused at "0", KEDA would hold the target at zero.
      await this.resumeScaler(canary, ns);
      await scaleTarget(this.opts.client, kind, resolved.targetName, ns, step.replicas);
      return requeueAfter(FINALIZE_POLL_MS);
    }
    if (step.kind === 'wait') {
      log.info(`waiting for ${resolved.targetName}.${ns} before releasing it: ${step.reason}`);
      return requeueAfter(FINALIZE_POLL_MS);
    }
    // A Service target is its own apex, the user's: nothing of it was switched or owned.
    if (!targetIsService(canary.spec.targetRef)) await releaseApexService(this.opts.client, resolved, target, canary.metadata.uid);
    if (await restoreVirtualService(this.opts.client, resolved, canary.metadata.uid)) log.info(`VirtualService ${resolved.service.name}.${ns} restored`);
    for (const e of step.events) {
      log.info(e.message);
      await event(e.type, e.message);
    }
    return this.releaseFinalizer(canary, resolved);
  }

  /** The finalizer removed: the Canary may go. */
  private async releaseFinalizer(canary: Canary, resolved: ResolvedCanary): Promise<Result> {
    // A stale cache may bring a Canary released a moment ago once more: it is gone, which is the goal.
    await this.opts.client
      .mergePatch(RESOURCES.canaries, resolved.name, resolved.namespace, {
        metadata: { finalizers: (canary.metadata.finalizers ?? []).filter((f) => f !== FINALIZER), resourceVersion: canary.metadata.resourceVersion },
      })
      .catch(unlessGone);
    return DONE;
  }

  /**
   * One reconcile of one Canary. Says when to look again; throws a TerminalError for a spec that
   * cannot be carried out, anything else for a failure worth retrying (reconcile-handler.ts).
   */
  private async reconcile(key: string): Promise<Result> {
    const [namespace, name] = key.split('/');
    const cached = this.canaries.get(name, namespace);
    if (!cached || cached.metadata.deletionTimestamp) return this.reconcileDeletion(cached, key);
    const finalizers = wantedFinalizers(cached);
    if (finalizers) {
      // The update that follows brings the Canary back through the queue.
      await this.opts.client
        .mergePatch(RESOURCES.canaries, name, namespace, { metadata: { finalizers, resourceVersion: cached.metadata.resourceVersion } })
        .catch(unlessGone);
      return DONE;
    }
    const mine = this.written.get(key);
    const canary: Canary = mine && mine.superseded.has(cached.metadata.resourceVersion ?? '') ? mine.canary : cached;
    if (canary === cached) this.written.delete(key);

    this.assertValidSpec(canary);

    const referenced = await this.referencedOrStall(canary);
    const { snap, inputs, readsSecrets } = await this.snapshot(canary, referenced);
    const started = this.now();
    const deps = this.depsForOneReconcile();
    if (!this.recovered.has(key)) {
      await recoverPendingEvents(canary, inputs.resolved, deps);
      this.recovered.add(key);
    }
    // Gates run in the Canary's lane; their results come back through a later reconcile.
    const gateState = this.gateSessions.state(key, canary.metadata.resourceVersion ?? '');
    if (gateState.kind === 'waiting') return DONE;
    let decision: Decision;
    try {
      decision = decide(observe(snap, this.now(), this.opts.operator, gateState.results, inputs.resolved));
      const gate = decision.needs;
      if (gate) {
        this.gateSessions.start(key, gate, () => runGate(gate, canary, inputs.resolved, this.gates, metricRefsOf(canary, inputs.target)));
        return DONE;
      }
      this.gateSessions.finish(key);
      // This reconcile got through: whatever stalled the Canary before is fixed.
      decision = { ...decision, status: withoutStalled(decision.status) };
      const written = await execute(decision, inputs, deps);
      // Versions older than our own last write stay superseded while the watch catches up.
      const older = mine && canary === mine.canary ? mine.superseded : [];
      if (written) this.written.set(key, { superseded: new Set([...older, ...written.superseded]), canary: written.canary });
    } catch (err) {
      this.gateSessions.finish(key);
      return this.afterFailedStep(err, key);
    }
    this.stalled.delete(key);
    this.opts.metrics?.observe({ ...canary, status: decision.status }, decision, this.now() - started);
    return requeueAfter(Math.min(Math.max(decision.requeueAfterMs, 50), lookAgainWithin(readsSecrets, inputs.resolved.intervalMs, MAX_REQUEUE_MS)));
  }

  /** A Canary gone or being deleted: nothing of it is remembered, and its finalizer (if any) runs. */
  private async reconcileDeletion(cached: Canary | undefined, key: string): Promise<Result> {
    this.written.delete(key);
    this.stalled.delete(key);
    if (cached && hasFinalizer(cached)) return this.finalize(cached, key);
    return DONE;
  }

  /** Throws a TerminalError naming every problem of a spec that cannot be carried out. */
  private assertValidSpec(canary: Canary): void {
    const problems = validateCanary(canary, this.opts.operator.provider);
    if (this.opts.noCrossNamespaceRefs) problems.push(...crossNamespaceProblems(canary));
    if (problems.length) throw new TerminalError('InvalidSpec', `Invalid canary spec: ${problems.map(formatProblem).join('; ')}`);
  }

  /**
   * What a step that threw comes to: a conflict looks again shortly, a Canary deleted meanwhile is
   * done, a spec synthesis cannot build is terminal; anything else goes to the error policy as it is.
   */
  private afterFailedStep(err: unknown, key: string): Result {
    if (err instanceof ConflictError) {
      this.opts.log.debug({ canary: key }, err.message);
      return requeueAfter(CONFLICT_RETRY_MS);
    }
    if (err instanceof CanaryGoneError) {
      // Its watch brings the deletion; a deleted Canary is not a failure.
      this.opts.log.debug({ canary: key }, err.message);
      this.written.delete(key);
      return DONE;
    }
    // The user's spec asks for what synthesis cannot build: no retry will build it.
    if (err instanceof SynthError) throw new TerminalError('InvalidSpec', err.message, { cause: err });
    throw err;
  }
}
