// Carries out one Decision: converge the generated objects, scale the target, write the
// status, then tell the world (Events, log lines, event webhooks, post-rollout hooks, alerts).
// Order matters for crash safety: objects and scale first, status next, so a controller killed
// in between redoes the same step from the old status and converges to the same objects.
import type { Logger } from '../log.js';
import type { Canary, CanaryStatus } from '../api/types.js';
import type { Referenced } from '../api/providers.js';
import { DEFAULTS, type ResolvedCanary, type ResolvedWebhook } from '../api/defaults.js';
import type { Decision, RolloutEvent } from '../rollout/decision.js';
import { RESOURCES, eventName, type KubeClient, type KubeObject, isConflict, isNotFound } from '../kube/index.js';
import { statusPatch, isSubsetOf } from './status-patch.js';
import { runPostRollout, type GateDeps } from './gates.js';
import { eventPayload } from '../hooks/payload.js';
import { id } from '../rollout/messages.js';
import type { Weights } from '../rollout/weights.js';
import { capMessage } from '../api/message.js';
import type { CanaryLanes } from './canary-lanes.js';
import { takeOver } from './takeover-objects.js';
import { sessionCookiesOf, withSessionCookies } from '../rollout/session-cookies.js';
import { targetKindOf } from '../api/workloads.js';
import { isKnativeTarget } from '../api/knative.js';
import { isScaledAs, isScalerPaused, scaleTarget, setScalerPaused } from './target-scale.js';

/** What synthesis needs from the cluster for one Canary. */
export interface SynthesisInputs {
  readonly canary: Canary;
  readonly resolved: ResolvedCanary;
  /** Absent when the target Deployment does not exist (decide() then asks for no sync). */
  readonly target?: KubeObject;
  readonly hpa?: KubeObject;
  /** The KEDA ScaledObject of spec.autoscalerRef, when it names one. */
  readonly scaledObject?: KubeObject;
  readonly configs?: readonly KubeObject[];
  /** The objects the reference fields name (src/api/providers.ts REFERENCE_FIELDS). */
  readonly referenced?: Referenced<KubeObject>;
  /** The Knative Service of a knative Canary (also its `target`). */
  readonly knativeService?: KubeObject;
}

/** Produces every generated object, in apply order, for a traffic split. */
export type Synthesize = (inputs: SynthesisInputs, weights: Weights, primaryFromTarget: boolean) => KubeObject[];

/** Live copies of generated objects the controller already watches, to skip no-op applies. */
/**
 * The stored version of a generated object: null when a synced cache has none (it must be
 * created), undefined when no synced cache covers its kind (then only the memo can tell).
 */
export type LiveLookup = (object: KubeObject) => KubeObject | null | undefined;

export interface AlertSink {
  send(canary: Canary, severity: 'info' | 'warn' | 'error', message: string): Promise<void>;
}

export interface ExecutorDeps {
  readonly client: KubeClient;
  readonly synthesize: Synthesize;
  readonly live: LiveLookup;
  /** Waits until `live` can answer for these objects' kinds (caches started on first use). */
  readonly whenLiveKnown?: (objects: readonly KubeObject[]) => Promise<void>;
  readonly gates: GateDeps;
  readonly alerts?: AlertSink;
  readonly log: Logger;
  /** Objects of kinds without a synced cache: re-applied when their content changes, and every so often. */
  readonly memo: Map<string, { hash: string; at: number }>;
  readonly reapplyEveryMs: number;
  readonly now: () => number;
  /**
   * Where calls to the Canary's own endpoints go (post-rollout hooks, event webhooks, alerts),
   * so a slow one never holds a reconcile worker. Absent: they run inline, in order.
   */
  readonly lanes?: CanaryLanes;
  /**
   * Flagger's -event-webhook (EVENT_WEBHOOK_URL): every Event of a Canary that has no `event`
   * webhook of its own is posted here, with the same payload.
   */
  readonly eventWebhook?: string;
}

/** Runs `task` in the Canary's lane, or now when there are no lanes. */
function offWorker(deps: ExecutorDeps, resolved: ResolvedCanary, task: () => Promise<void>): Promise<void> {
  if (!deps.lanes) return task();
  deps.lanes.run(`${resolved.namespace}/${resolved.name}`, task);
  return Promise.resolve();
}

const objectKey = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The objects of a sync that actually need an apply. */
export function objectsToApply(objects: KubeObject[], deps: Pick<ExecutorDeps, 'live' | 'memo' | 'reapplyEveryMs' | 'now'>): KubeObject[] {
  return objects.filter((o) => {
    const live = deps.live(o);
    if (live) return !isSubsetOf(o, live);
    if (live === null) return true;
    const seen = deps.memo.get(objectKey(o));
    return !seen || seen.hash !== JSON.stringify(o) || deps.now() - seen.at > deps.reapplyEveryMs;
  });
}

export class ConflictError extends Error {}
/** The Canary was deleted while it was being reconciled: nothing is left to do, and nothing failed. */
export class CanaryGoneError extends Error {}

/** A reconcile's status writes: the Canary as stored last, and the versions of it those writes replaced. */
export interface StatusWritten {
  readonly canary: Canary;
  /** The version the decision was computed from, and the one between the two writes of an outbox. */
  readonly superseded: readonly string[];
}

/** Returns what was written to the status, when anything was. */
export async function execute(decision: Decision, inputs: SynthesisInputs, deps: ExecutorDeps): Promise<StatusWritten | undefined> {
  const { canary, resolved } = inputs;
  const log = deps.log.child({ canary: `${resolved.namespace}/${resolved.name}` });

  await applyGenerated(decision, inputs, deps, log);

  // The Events of a status change travel with it (an outbox), so a crash right after the write
  // cannot lose them. The outbox holds only what is not recorded yet: whatever an earlier write
  // left there was recorded since (right after that write, or by recoverPendingEvents at start).
  const nowIso = new Date(deps.now()).toISOString();
  const desired = withoutOutbox(decision.status);
  const changes = statusPatch(withoutOutbox(canary.status), desired) !== undefined;
  const outbox = changes && decision.events.length ? { at: nowIso, events: decision.events.map((e) => ({ type: e.type, message: e.message })) } : undefined;
  const next: CanaryStatus = outbox ? { ...desired, pendingEvents: outbox } : desired;
  const patch = statusPatch(canary.status, next);
  let stored: Canary | undefined;
  if (patch) stored = await writeStatus(deps, resolved, canary.metadata.resourceVersion, patch);

  const updated: Canary = { ...canary, status: next };
  // The scale goes out beside the Events, after the status: a Deployment write passes two
  // admission webhooks, and event webhooks may be slow; neither should hold up the other. A
  // crash before the scale is safe: decide() asks for it again (a started rollout whose canary
  // has no replicas, an idle one whose target has some).
  const scale = async () => {
    const replicas = decision.scaleTarget;
    // Knative scales a Service's revisions itself: Flagger's scale-to-zero and scale-up are no-ops there.
    if (replicas === undefined || !inputs.target || isKnativeTarget(canary.spec.targetRef)) return;
    // The target's ScaledObject first: paused before the target goes to zero, resumed before it scales up.
    if (inputs.scaledObject && isScalerPaused(inputs.scaledObject) !== (replicas === 0)) {
      await setScalerPaused(deps.client, inputs.scaledObject, replicas === 0);
      log.info(`${replicas === 0 ? 'paused' : 'resumed'} ScaledObject ${id(inputs.scaledObject.metadata.name!, resolved.namespace)}`);
    }
    const kind = targetKindOf(canary.spec.targetRef);
    if (isScaledAs(kind, inputs.target, replicas)) return;
    await scaleTarget(deps.client, kind, resolved.targetName, resolved.namespace, replicas);
    if (kind === 'DaemonSet') log.info(`${replicas === 0 ? 'Scaling down' : 'Scaling up'} DaemonSet ${id(resolved.targetName, resolved.namespace)}`);
    else log.info({ replicas }, `scaled ${id(resolved.targetName, resolved.namespace)} to ${replicas}`);
  };
  await Promise.all([record(updated, resolved, decision.events, deps), scale()]);
  const superseded = [canary.metadata.resourceVersion ?? ''];
  if (outbox && stored) {
    superseded.push(stored.metadata.resourceVersion ?? '');
    stored = await clearOutbox(deps, resolved, stored, log);
  }
  await followUp(decision, updated, resolved, deps, log);
  return stored ? { canary: stored, superseded } : undefined;
}

/** The generated objects of a sync that changed, taken over first where someone else wrote them. */
async function applyGenerated(decision: Decision, inputs: SynthesisInputs, deps: ExecutorDeps, log: Logger): Promise<void> {
  if (!decision.sync || !inputs.target) return;
  // The routers read the session cookies of the status being written (session-cookies.ts).
  const cookies = sessionCookiesOf(decision.status);
  const canary = { ...inputs.canary, status: withSessionCookies(inputs.canary.status, cookies) };
  const objects = deps.synthesize({ ...inputs, canary }, decision.sync.weights, decision.sync.primaryFromTarget);
  await deps.whenLiveKnown?.(objects);
  // Objects someone else wrote first are taken over as Flagger does (takeover-objects.ts).
  const plans = objects.map((o) => takeOver(o, deps.live(o), inputs.canary.metadata.uid));
  const changed = objectsToApply(
    plans.map((p) => p.apply),
    deps,
  );
  if (!changed.length) return;
  for (const plan of plans) if (plan.patchFirst && changed.includes(plan.apply)) await patchFirst(deps, plan.apply, plan.patchFirst, log);
  await deps.client.serverSideApply(changed, { force: true });
  for (const o of changed) deps.memo.set(objectKey(o), { hash: JSON.stringify(o), at: deps.now() });
  log.debug({ applied: changed.map(objectKey) }, `applied ${changed.length} generated objects`);
}

/** After the status: post-rollout hooks and alerts, in the Canary's lane. */
async function followUp(decision: Decision, updated: Canary, resolved: ResolvedCanary, deps: ExecutorDeps, log: Logger): Promise<void> {
  if (decision.postRollout) await offWorker(deps, resolved, async () => record(updated, resolved, await runPostRollout(updated, resolved, deps.gates), deps));
  for (const alert of decision.alerts) {
    await offWorker(
      deps,
      resolved,
      () =>
        deps.alerts?.send(updated, alert.severity, alert.message).catch((err: unknown) => log.warn({ err }, `alert not delivered: ${alert.message}`)) ??
        Promise.resolve(),
    );
  }
  if (decision.note) log.debug(decision.note);
}

/** The write that must come before an object's apply when Sluice takes it over; conditional on the version seen. */
async function patchFirst(deps: ExecutorDeps, object: KubeObject, patch: Record<string, unknown>, log: Logger): Promise<void> {
  const { name, namespace } = object.metadata;
  try {
    const type = await deps.client.discovery.resourceFor(object.apiVersion, object.kind);
    await deps.client.mergePatch(type, name!, namespace, patch);
  } catch (err) {
    if (isConflict(err)) throw new ConflictError(`${object.kind} ${namespace}/${name} changed meanwhile`);
    throw err;
  }
  log.info(`took over ${object.kind} ${namespace}/${name}: ${Object.keys((patch.spec as object | undefined) ?? {}).join(', ')} replaced`);
}

/** The status without its outbox of Events. */
function withoutOutbox(status: CanaryStatus | undefined): CanaryStatus {
  const { pendingEvents: _sent, ...rest } = status ?? {};
  return rest;
}

/** A status merge patch on condition that the Canary is still at `resourceVersion`. */
async function writeStatus(deps: ExecutorDeps, resolved: ResolvedCanary, resourceVersion: string | undefined, patch: Record<string, unknown>): Promise<Canary> {
  try {
    // The resourceVersion makes the write conditional: a stale view never overwrites a newer status.
    return await deps.client.patchStatus<Canary>(RESOURCES.canaries, resolved.name, resolved.namespace, {
      metadata: { resourceVersion },
      status: patch,
    });
  } catch (err) {
    if (isConflict(err)) throw new ConflictError(`status of ${resolved.namespace}/${resolved.name} changed meanwhile`);
    if (isNotFound(err)) throw new CanaryGoneError(`canary ${resolved.namespace}/${resolved.name} was deleted meanwhile`);
    throw err;
  }
}

/**
 * Empties the outbox once its Events are recorded, so a restart (or an hour, when Events expire)
 * never records them again. Conditional like every status write; when the Canary changed
 * meanwhile, the next status write of a reconcile empties it instead.
 */
async function clearOutbox(deps: ExecutorDeps, resolved: ResolvedCanary, stored: Canary, log: Logger): Promise<Canary> {
  try {
    return await writeStatus(deps, resolved, stored.metadata.resourceVersion, { pendingEvents: null });
  } catch (err) {
    if (!(err instanceof ConflictError || err instanceof CanaryGoneError)) log.warn({ err }, 'recorded Events not cleared from the status');
    return stored;
  }
}

function involvedOf(canary: Canary, resolved: ResolvedCanary) {
  return {
    apiVersion: canary.apiVersion,
    kind: 'Canary',
    name: resolved.name,
    namespace: resolved.namespace,
    ...(canary.metadata.uid ? { uid: canary.metadata.uid } : {}),
    ...(canary.metadata.resourceVersion ? { resourceVersion: canary.metadata.resourceVersion } : {}),
  };
}

/**
 * After a start: the pending Events of the last status change that never made it to the cluster
 * (the previous process died between its status write and its Events) are recorded now.
 * An Event counts as recorded when it exists with a lastTimestamp at or after the change.
 */
export async function recoverPendingEvents(canary: Canary, resolved: ResolvedCanary, deps: ExecutorDeps): Promise<number> {
  const pending = canary.status?.pendingEvents;
  if (!pending?.events?.length) return 0;
  const involved = involvedOf(canary, resolved);
  // Event timestamps have whole seconds.
  const since = Math.floor(Date.parse(pending.at) / 1000) * 1000;
  const missing: RolloutEvent[] = [];
  for (const e of pending.events) {
    const name = eventName(involved, e.type, 'Synced', capMessage(e.message));
    const existing = await deps.client.getIfExists<{ lastTimestamp?: string }>(RESOURCES.events, name, resolved.namespace);
    if (!existing || Date.parse(existing.lastTimestamp ?? '') < since) missing.push(e);
  }
  if (missing.length) {
    deps.log.child({ canary: `${resolved.namespace}/${resolved.name}` }).info({ events: missing.length }, 'recording Events lost by a previous process');
    await record(canary, resolved, missing, deps);
  }
  return missing.length;
}

/** The Canary's `event` webhooks; when it has none, the operator's -event-webhook as Flagger calls it. */
export function eventHooksOf(
  resolved: ResolvedCanary,
  eventWebhook: string | undefined,
): Pick<ResolvedWebhook, 'name' | 'url' | 'timeoutMs' | 'retries' | 'disableTLS' | 'metadata'>[] {
  const own = resolved.webhooks.filter((w) => w.type === 'event');
  if (own.length || !eventWebhook) return own;
  return [{ name: 'events', url: eventWebhook, timeoutMs: DEFAULTS.webhookTimeoutMs, retries: 0, disableTLS: false, metadata: {} }];
}

/** One sentence, three places: the Event, the JSON log line, and the Canary's event webhooks. */
async function record(canary: Canary, resolved: ResolvedCanary, events: RolloutEvent[], deps: ExecutorDeps): Promise<void> {
  const log = deps.log.child({ canary: `${resolved.namespace}/${resolved.name}`, phase: canary.status?.phase });
  const involved = involvedOf(canary, resolved);
  const eventHooks = eventHooksOf(resolved, deps.eventWebhook);
  for (const e of events) {
    if (e.type === 'Warning') log.warn(e.message);
    else log.info(e.message);
    // Capped as the last step, whoever worded it: the same text as the outbox keeps (statusPatch caps it there).
    await deps.client
      .createEvent(involved, e.type, 'Synced', capMessage(e.message), new Date(deps.now()))
      .catch((err: unknown) => log.warn({ err }, 'event not recorded'));
    // The payload is built now, with the Canary and time of the Event, whenever it is sent.
    const calls = eventHooks.map((hook) => ({
      name: hook.name,
      call: {
        url: hook.url,
        body: eventPayload(canary, e.message, e.type, deps.now(), hook.metadata),
        timeoutMs: hook.timeoutMs,
        retries: hook.retries,
        disableTLS: hook.disableTLS,
      },
    }));
    for (const { name, call } of calls) {
      await offWorker(deps, resolved, async () => {
        const outcome = await deps.gates.callHook(call);
        if (!outcome.ok) log.warn({ hook: name, error: outcome.error }, 'event webhook failed');
      });
    }
  }
}
