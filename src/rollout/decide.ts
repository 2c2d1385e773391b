// The rollout state machine: one pure step from what is observed to what should happen.
// It follows Flagger's phases and tick order (see ../../README.md, "Rollout engine"), with
// two differences: a new revision is acted on as soon as it is seen (watch-driven), and
// analysis steps are paced by status.lastAnalysisTime, so any number of reconciles between
// two steps does the same as one.
import type { ResolvedCanary } from '../api/defaults.js';
import { routesByWeight } from '../api/providers.js';
import type { CanaryCondition, CanaryPhase, CanaryStatus } from '../api/types.js';
import type { Decision, Gate, GateResult, Observed, RolloutEvent, AlertSeverity } from './decision.js';
import { deploymentReadiness } from './readiness.js';
import { messages, conditionMessages, approvalAlerts, id } from './messages.js';
import { ALL_TO_PRIMARY, split, nextCanaryWeight, nextPrimaryWeight, type Weights } from './weights.js';
import { adoptedStatus } from './takeover.js';

/** Phases in which a rollout is under way and traffic may reach the canary. */
const ACTIVE: readonly CanaryPhase[] = ['Progressing', 'WaitingPromotion', 'Promoting', 'Finalising'];
/** Phases in which Sluice waits for a new revision. */
const IDLE: readonly CanaryPhase[] = ['Initialized', 'Succeeded', 'Failed'];
/** How soon to look again while waiting for a Deployment to become ready. */
const READINESS_POLL_MS = 2_000;
/**
 * How soon to look again at an idle Canary with nothing to do. Watches bring every change (a new
 * revision, ConfigMaps, commands, drift of every generated object: the routing kinds are watched
 * too); this look is a safety net only. Secrets are not watched: the controller looks at a Canary
 * whose target reads Secrets every analysis interval instead (controller/secret-reads.ts). Not the analysis interval: at 1 s, 100 idle Canaries kept
 * a fifth of a core busy, and at 60 s 1,000 of them a sixth (bench/scale.ts).
 */
export const IDLE_RESYNC_MS = 5 * 60_000;

/** The traffic split that a status stands for; routes are always re-derived from it. */
export function routesFor(status: CanaryStatus, strategyKind: string): Weights {
  const phase = status.phase ?? '';
  if (!['Progressing', 'WaitingPromotion', 'Promoting'].includes(phase)) return ALL_TO_PRIMARY;
  if (strategyKind === 'ab-testing') return (status.iterations ?? 0) > 0 ? split(100) : ALL_TO_PRIMARY;
  return split(status.canaryWeight ?? 0, status.mirrored === true);
}

/** Flagger's status times (metav1.Time): RFC 3339 in whole seconds. */
export function statusTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const info = (message: string): RolloutEvent => ({ type: 'Normal', message });
const warning = (message: string): RolloutEvent => ({ type: 'Warning', message });

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Accumulates one decision; the small builder keeps each branch below short. */
class Step {
  status: CanaryStatus;
  sync?: Decision['sync'];
  scaleTarget?: number;
  events: RolloutEvent[] = [];
  alerts: { severity: AlertSeverity; message: string }[] = [];
  postRollout?: 'Succeeded' | 'Failed';
  note?: string;

  constructor(private readonly obs: Observed) {
    this.status = structuredClone(obs.canary.status ?? {});
  }

  phase(next: CanaryPhase, condition: { status: CanaryCondition['status']; message: string }): this {
    const nowIso = statusTime(this.obs.now);
    if (this.status.phase !== next) this.status.lastTransitionTime = nowIso;
    this.status.phase = next;
    const previous = this.status.conditions?.find((c) => c.type === 'Promoted');
    const changed = !previous || previous.status !== condition.status || previous.reason !== next || previous.message !== condition.message;
    if (changed) {
      this.status.conditions = [{
        type: 'Promoted',
        status: condition.status,
        reason: next,
        message: condition.message,
        lastUpdateTime: nowIso,
        lastTransitionTime: previous && previous.status === condition.status ? previous.lastTransitionTime ?? nowIso : nowIso,
      }];
    }
    return this;
  }

  stepped(): this {
    // Milliseconds kept (unlike Flagger's times): steps are paced by it, whole seconds would let one come early.
    this.status.lastAnalysisTime = new Date(this.obs.now).toISOString();
    return this;
  }

  done(requeueAfterMs: number): Decision {
    this.status.observedGeneration = this.obs.canary.metadata.generation ?? this.status.observedGeneration;
    return {
      status: this.status,
      ...(this.sync ? { sync: this.sync } : {}),
      ...(this.scaleTarget !== undefined ? { scaleTarget: this.scaleTarget } : {}),
      events: this.events,
      alerts: this.alerts,
      ...(this.postRollout ? { postRollout: this.postRollout } : {}),
      ...(this.note ? { note: this.note } : {}),
      requeueAfterMs: Math.max(0, Math.round(requeueAfterMs)),
    };
  }
}

/** Asks the executor to run a gate first. */
function ask(obs: Observed, gate: Gate): Decision {
  return {
    status: structuredClone(obs.canary.status ?? {}),
    events: [],
    alerts: [],
    needs: gate,
    requeueAfterMs: 0,
  };
}

/** Whether the Canary has anything to run for a gate; an empty gate is open. */
function gateHasWork(obs: Observed, gate: Gate): boolean {
  const r = obs.resolved;
  if (gate === 'analysis') return r.metrics.length > 0 || r.webhooks.some((w) => w.type === 'rollout');
  if (gate === 'metric-providers') return !r.skipAnalysis;
  return r.webhooks.some((w) => w.type === gate);
}

/** The gate's result, or undefined when it must be run first (decide then returns `ask`). */
/** The hook holding a closed gate has `muteAlert: true` (Flagger then records the halt but sends no alert). */
function muted(r: ResolvedCanary, result: GateResult): boolean {
  return r.webhooks.some((w) => w.name === result.hook && w.muteAlert);
}

function gate(obs: Observed, name: Gate): GateResult | undefined {
  if (!gateHasWork(obs, name)) return { open: true, events: [] };
  return obs.gates[name];
}

/** Replicas for the target when a rollout starts (Flagger's ScaleFromZero). */
function scaleUpReplicas(obs: Observed): number {
  const own = obs.target?.spec?.replicas ?? 0;
  if (own > 0) return own;
  if (obs.autoscalerMinReplicas !== undefined) return Math.max(1, obs.autoscalerMinReplicas);
  return Math.max(1, obs.primary?.spec?.replicas ?? 1);
}

export function decide(obs: Observed): Decision {
  const r = obs.resolved;
  const st = obs.canary.status ?? {};
  const phase: CanaryPhase = st.phase ?? '';
  const t = id(r.targetName, r.namespace);
  const primaryId = id(`${r.targetName}-primary`, r.namespace);
  const step = new Step(obs);
  const currentRoutes = routesFor(st, r.strategy.kind);

  if (r.suspend) {
    step.note = messages.suspended();
    return step.done(r.intervalMs);
  }
  if (!obs.target || !obs.targetRevision) {
    step.events.push(warning(messages.targetMissing(t, 'deployment not found')));
    return step.done(r.intervalMs);
  }

  // ---- initialization: primary, services, routes; then the target is scaled to zero.
  if (phase === '' || phase === 'Initializing' || (!obs.primary && !ACTIVE.includes(phase))) {
    step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget: true };
    const ready = deploymentReadiness(obs.primary, r.primaryReadyThreshold);
    if (!ready.ready) {
      step.phase('Initializing', { status: 'Unknown', message: conditionMessages.initializing });
      if (obs.primary) step.events.push(warning(messages.primaryNotReady(primaryId, ready.reason)));
      return step.done(READINESS_POLL_MS);
    }
    // Flagger checks the metric providers while initializing; it reports, it never holds.
    const providers = gate(obs, 'metric-providers');
    if (!providers) return ask(obs, 'metric-providers');
    step.events.push(...providers.events);
    Object.assign(step.status, {
      canaryWeight: 0, failedChecks: 0, iterations: 0, mirrored: false,
      lastAppliedSpec: obs.targetRevision, lastPromotedSpec: obs.targetRevision, trackedConfigs: obs.trackedConfigs,
    });
    step.phase('Initialized', { status: 'True', message: conditionMessages.initialized });
    step.scaleTarget = 0;
    step.events.push(info(messages.initialized(t)));
    return step.done(r.intervalMs);
  }

  // A status Flagger left idle that still describes what runs is kept, with Sluice's hashes (takeover.ts).
  const adopted = adoptedStatus(obs);
  if (adopted) {
    Object.assign(step.status, adopted);
    step.note = `status written by Flagger adopted: the primary runs revision ${adopted.lastAppliedSpec}`;
  }
  const recorded = adopted ?? st;
  const revisionChanged = obs.targetRevision !== recorded.lastAppliedSpec;
  const configsChanged = !sameMap(obs.trackedConfigs, recorded.trackedConfigs ?? {});
  const lastStep = st.lastAnalysisTime ? Date.parse(st.lastAnalysisTime) : 0;
  const dueInMs = Math.max(0, lastStep + r.intervalMs - obs.now);

  // ---- waiting for a new revision
  if (IDLE.includes(phase) || phase === 'Waiting') {
    const retry = phase === 'Failed' && obs.commands.retry !== undefined;
    if (!revisionChanged && !configsChanged && !retry && phase !== 'Waiting') {
      step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget: false };
      if ((obs.target.spec?.replicas ?? 0) !== 0) step.scaleTarget = 0;
      return step.done(IDLE_RESYNC_MS);
    }
    if (revisionChanged && !configsChanged && !retry && obs.targetRevision === st.lastPromotedSpec) {
      // The target went back to what the primary runs: nothing to analyse.
      step.status.lastAppliedSpec = obs.targetRevision;
      step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget: false };
      step.note = `revision ${obs.targetRevision} equals the primary's; no rollout`;
      if (phase === 'Waiting') step.phase('Succeeded', { status: 'True', message: conditionMessages.succeeded });
      return step.done(r.intervalMs);
    }
    if (phase === 'Waiting' && dueInMs > 0 && !obs.gates['confirm-rollout']) {
      step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget: false };
      return step.done(dueInMs);
    }
    const confirm = gate(obs, 'confirm-rollout');
    if (!confirm) return ask(obs, 'confirm-rollout');
    step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget: false };
    if (!confirm.open) {
      step.events.push(...confirm.events);
      if (phase !== 'Waiting' && !muted(r, confirm)) step.alerts.push({ severity: 'warn', message: approvalAlerts.rollout });
      step.phase('Waiting', { status: 'Unknown', message: conditionMessages.waiting });
      step.stepped();
      return step.done(r.intervalMs);
    }
    step.events.push(...confirm.events, info(messages.newRevision(t)));
    step.alerts.push({ severity: 'info', message: conditionMessages.progressing });
    Object.assign(step.status, {
      canaryWeight: 0, failedChecks: 0, iterations: 0, mirrored: false, metrics: [],
      lastAppliedSpec: obs.targetRevision, trackedConfigs: obs.trackedConfigs,
    });
    if (retry) step.status.commands = { ...step.status.commands, retry: obs.commands.retry };
    step.phase('Progressing', { status: 'Unknown', message: conditionMessages.progressing });
    step.scaleTarget = scaleUpReplicas(obs);
    step.stepped();
    return step.done(r.intervalMs);
  }

  // ---- a rollout is under way
  const rollback = (reason: string, severity: AlertSeverity = 'error'): Decision => {
    step.events.push(warning(reason), warning(messages.failed(t)));
    step.alerts.push({ severity, message: reason });
    // As Flagger's rollback, which syncs the status to Failed with zero checks and iterations.
    Object.assign(step.status, { canaryWeight: 0, failedChecks: 0, iterations: 0, mirrored: false });
    step.phase('Failed', { status: 'False', message: conditionMessages.failed(t) });
    step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget: false };
    step.scaleTarget = 0;
    step.postRollout = 'Failed';
    step.stepped();
    return step.done(r.intervalMs);
  };

  const analysing = phase === 'Progressing' || phase === 'WaitingPromotion';
  if (analysing && (revisionChanged || configsChanged)) {
    step.events.push(info(messages.restart(t)));
    Object.assign(step.status, {
      canaryWeight: 0, failedChecks: 0, iterations: 0, mirrored: false, metrics: [],
      lastAppliedSpec: obs.targetRevision, trackedConfigs: obs.trackedConfigs,
    });
    step.phase('Progressing', { status: 'Unknown', message: conditionMessages.progressing });
    step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget: false };
    step.stepped();
    return step.done(r.intervalMs);
  }

  if (analysing && obs.commands.abort) {
    step.status.commands = { ...step.status.commands, abort: obs.commands.abort };
    return rollback(messages.rollbackAborted(t, obs.commands.abort), 'warn');
  }

  step.sync = { weights: currentRoutes, primaryFromTarget: false };
  if (analysing && (obs.target.spec?.replicas ?? 0) === 0) {
    // The start's scale-up follows its status write; a crash in between left the canary at zero
    // replicas, which would look ready with nothing to analyse. Scale up again and wait for it.
    step.scaleTarget = scaleUpReplicas(obs);
    step.note = `${t} has no replicas while ${phase}; scaling it up before the next step`;
    return step.done(READINESS_POLL_MS);
  }
  const promoteNow = analysing && obs.commands.promote !== undefined;
  if (dueInMs > 0 && !promoteNow) return step.done(dueInMs);

  const primaryReady = deploymentReadiness(obs.primary, r.primaryReadyThreshold);
  if (!primaryReady.ready) {
    if ((phase === 'Promoting' || phase === 'Finalising') && primaryReady.stuck) {
      const reason = messages.promotionFailed(t, primaryReady.reason);
      step.events.push(warning(reason));
      step.alerts.push({ severity: 'error', message: reason });
      Object.assign(step.status, { canaryWeight: 100, mirrored: false });
      step.phase('Failed', { status: 'False', message: conditionMessages.failed(t) });
      step.sync = { weights: split(100), primaryFromTarget: false };
      step.postRollout = 'Failed';
      step.stepped();
      return step.done(r.intervalMs);
    }
    step.events.push(warning(messages.primaryNotReady(primaryId, primaryReady.reason)));
    return step.done(READINESS_POLL_MS);
  }

  if (phase === 'Promoting') {
    const primaryWeight = nextPrimaryWeight(r, 100 - (st.canaryWeight ?? 0));
    if (primaryWeight < 100) {
      step.events.push(info(messages.advancePrimaryWeight(t, primaryWeight)));
      Object.assign(step.status, { canaryWeight: 100 - primaryWeight, mirrored: false });
      step.sync = { weights: split(100 - primaryWeight), primaryFromTarget: false };
    } else {
      step.events.push(info(messages.routingAllToPrimary()));
      Object.assign(step.status, { canaryWeight: 0, mirrored: false });
      step.phase('Finalising', { status: 'Unknown', message: conditionMessages.finalising });
      step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget: false };
    }
    step.stepped();
    return step.done(r.intervalMs);
  }

  /** The revision under analysis is now the primary's: all traffic there, the canary at zero. */
  const succeed = (events: string[], primaryFromTarget: boolean): Decision => {
    step.events.push(...events.map(info));
    step.alerts.push({ severity: 'info', message: conditionMessages.succeeded });
    Object.assign(step.status, { canaryWeight: 0, mirrored: false, lastPromotedSpec: st.lastAppliedSpec });
    step.phase('Succeeded', { status: 'True', message: conditionMessages.succeeded });
    step.sync = { weights: ALL_TO_PRIMARY, primaryFromTarget };
    step.scaleTarget = 0;
    step.postRollout = 'Succeeded';
    step.stepped();
    return step.done(r.intervalMs);
  };

  if (phase === 'Finalising') return succeed([messages.promoted(t)], false);

  // Progressing or WaitingPromotion from here on.
  const canaryReady = deploymentReadiness(obs.target, r.canaryReadyThreshold);
  if (!canaryReady.ready) {
    const since = Date.parse(st.lastTransitionTime ?? new Date(obs.now).toISOString());
    if (canaryReady.stuck || obs.now - since > r.progressDeadlineSeconds * 1000) {
      return rollback(messages.rollbackDeadline(t, canaryReady.reason));
    }
    step.events.push(warning(messages.canaryNotReady(t, canaryReady.reason)));
    return step.done(READINESS_POLL_MS);
  }

  const rollbackHooks = gate(obs, 'rollback');
  if (!rollbackHooks) return ask(obs, 'rollback');
  if (!rollbackHooks.open) return rollback(messages.rollbackManual(t), 'warn');

  const copyToPrimary = (): Decision => {
    step.events.push(info(messages.copying(t, primaryId)));
    step.phase('Promoting', { status: 'Unknown', message: conditionMessages.promoting });
    step.sync = { weights: currentRoutes, primaryFromTarget: true };
    step.stepped();
    return step.done(r.intervalMs);
  };

  if (r.skipAnalysis || promoteNow) {
    if (promoteNow) step.status.commands = { ...step.status.commands, promote: obs.commands.promote };
    return succeed([messages.copying(t, primaryId), messages.promotedSkipped(t)], true);
  }

  const failedChecks = st.failedChecks ?? 0;
  if (failedChecks >= r.threshold) return rollback(messages.rollbackThreshold(t, failedChecks));

  if (obs.commands.paused) {
    step.note = messages.paused(t);
    return step.done(r.intervalMs);
  }

  // ---- analysis: pre-rollout hooks on the first step, then rollout hooks and metrics.
  const weight = st.canaryWeight ?? 0;
  const iterations = st.iterations ?? 0;
  const starting = weight === 0 && iterations === 0 && !st.mirrored;
  const checks = gate(obs, starting ? 'pre-rollout' : 'analysis');
  if (!checks) return ask(obs, starting ? 'pre-rollout' : 'analysis');
  if (starting) step.events.push(info(messages.starting(t)));
  step.events.push(...checks.events);
  if (checks.metrics) step.status.metrics = checks.metrics;
  if (!checks.open) {
    if (checks.countsAsFailedCheck !== false) step.status.failedChecks = failedChecks + 1;
    step.stepped();
    return step.done(r.intervalMs);
  }

  // ---- strategy step
  if (r.strategy.kind === 'canary') {
    if (weight < r.maxWeight) {
      const traffic = gate(obs, 'confirm-traffic-increase');
      if (!traffic) return ask(obs, 'confirm-traffic-increase');
      if (!traffic.open) {
        step.events.push(...traffic.events);
        step.stepped();
        return step.done(r.intervalMs);
      }
      if (r.strategy.mirror && weight === 0 && !st.mirrored) {
        // Mirroring first: the canary sees a copy of live traffic before it serves any.
        step.status.mirrored = true;
        step.events.push(info(messages.advanceWeight(t, 0)));
      } else {
        const next = nextCanaryWeight(r, weight);
        Object.assign(step.status, { canaryWeight: next, mirrored: false });
        step.events.push(info(messages.advanceWeight(t, next)));
      }
      step.sync = { weights: routesFor(step.status, r.strategy.kind), primaryFromTarget: false };
      step.stepped();
      return step.done(r.intervalMs);
    }
  } else {
    const total = r.iterations;
    if (iterations < total) {
      step.status.iterations = iterations + 1;
      if (r.strategy.kind === 'blue-green') step.status.mirrored = r.strategy.mirror;
      step.events.push(info(messages.advanceIteration(t, iterations + 1, total)));
      step.sync = { weights: routesFor(step.status, r.strategy.kind), primaryFromTarget: false };
      step.stepped();
      return step.done(r.intervalMs);
    }
    if (r.strategy.kind === 'blue-green' && iterations === total && routesByWeight(r.provider)) {
      step.events.push(info(messages.routingAllToCanary()));
      Object.assign(step.status, { iterations: iterations + 1, canaryWeight: 100, mirrored: false });
      step.sync = { weights: routesFor(step.status, r.strategy.kind), primaryFromTarget: false };
      step.stepped();
      return step.done(r.intervalMs);
    }
  }

  const promotion = gate(obs, 'confirm-promotion');
  if (!promotion) return ask(obs, 'confirm-promotion');
  if (!promotion.open) {
    step.events.push(...promotion.events);
    if (phase !== 'WaitingPromotion' && !muted(r, promotion)) step.alerts.push({ severity: 'warn', message: approvalAlerts.promotion });
    step.phase('WaitingPromotion', { status: 'Unknown', message: conditionMessages.waitingPromotion });
    step.stepped();
    return step.done(r.intervalMs);
  }
  step.events.push(...promotion.events);
  return copyToPrimary();
}
