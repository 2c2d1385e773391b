// Runs one gate that decide() asks for: the Canary's webhooks of that type and, for the
// analysis gate, its metric checks. Turns outcomes into GateResults worded as Flagger words them.
import type { Canary, CanaryPhase, MetricCheckStatus } from '../api/types.js';
import type { ResolvedCanary, ResolvedWebhook } from '../api/defaults.js';
import type { Gate, GateResult, RolloutEvent } from '../rollout/decision.js';
import { messages, id } from '../rollout/messages.js';
import { hookPayload } from '../hooks/payload.js';
import type { HookCall, HookOutcome } from '../hooks/call.js';
import type { CanaryRefNames, MetricVerdict } from '../analysis/run-checks.js';

export interface GateDeps {
  callHook(call: HookCall): Promise<HookOutcome>;
  /** `refs`: names the queries' `{{ route }}` and `{{ ingress }}` stand for beyond the Canary's own (a Knative target's latest revision). */
  runMetrics(resolved: ResolvedCanary, canary: Canary, refs?: CanaryRefNames): Promise<MetricVerdict[]>;
  /** Rejects, saying why, when a metrics provider of the Canary cannot be used (see metric-providers.ts). */
  checkMetricProviders?(resolved: ResolvedCanary, canary: Canary): Promise<void>;
  now(): number;
}

const info = (message: string): RolloutEvent => ({ type: 'Normal', message });
const warning = (message: string): RolloutEvent => ({ type: 'Warning', message });

/** Flagger sends the current phase to confirm-rollout and rollback hooks, "Progressing" to the rest. */
function phaseSent(gate: Gate | 'post-rollout', canary: Canary): CanaryPhase {
  if (gate === 'confirm-rollout' || gate === 'rollback' || gate === 'post-rollout') return canary.status?.phase ?? '';
  return 'Progressing';
}

function call(hook: ResolvedWebhook, canary: Canary, phase: CanaryPhase, deps: GateDeps): Promise<HookOutcome> {
  return deps.callHook({
    url: hook.url,
    body: hookPayload(canary, phase, hook.metadata),
    timeoutMs: hook.timeoutMs,
    retries: hook.retries,
    disableTLS: hook.disableTLS,
  });
}

const hooksOf = (resolved: ResolvedCanary, type: string) => resolved.webhooks.filter((w) => w.type === type);

/** Runs hooks in order until one fails; `onFail` words the halt. */
async function sequential(
  gate: Gate,
  canary: Canary,
  resolved: ResolvedCanary,
  deps: GateDeps,
  onFail: (hook: string, error: string) => RolloutEvent,
  passedAs?: string,
): Promise<GateResult> {
  const events: RolloutEvent[] = [];
  for (const hook of hooksOf(resolved, gate === 'analysis' ? 'rollout' : gate)) {
    const outcome = await call(hook, canary, phaseSent(gate, canary), deps);
    if (!outcome.ok) return { open: false, hook: hook.name, events: [...events, onFail(hook.name, outcome.error)] };
    if (passedAs) events.push(info(messages.hookPassed(passedAs, hook.name)));
  }
  return { open: true, events };
}

function metricStatus(v: MetricVerdict, now: number): MetricCheckStatus {
  return {
    name: v.name,
    result: v.result,
    ...(v.value !== undefined && Number.isFinite(v.value) ? { value: v.value } : {}),
    ...(v.min !== undefined ? { min: v.min } : {}),
    ...(v.max !== undefined ? { max: v.max } : {}),
    message: v.message,
    checkedAt: new Date(now).toISOString(),
    ...(v.judge ? { judge: v.judge } : {}),
  };
}

export async function runGate(gate: Gate, canary: Canary, resolved: ResolvedCanary, deps: GateDeps, refs?: CanaryRefNames): Promise<GateResult> {
  const t = id(resolved.targetName, resolved.namespace);
  switch (gate) {
    case 'metric-providers':
      try {
        await deps.checkMetricProviders?.(resolved, canary);
        return { open: true, events: [info(messages.metricProvidersAvailable())] };
      } catch (err) {
        return { open: true, events: [warning(messages.metricProvidersFailed(err instanceof Error ? err.message : String(err)))] };
      }
    case 'confirm-rollout':
      return sequential(gate, canary, resolved, deps, (h) => info(messages.waitingApproval(t, h)), 'Confirm-rollout');
    case 'pre-rollout':
      return sequential(gate, canary, resolved, deps, (h, e) => warning(messages.preRolloutFailed(t, h, e)), 'Pre-rollout');
    case 'confirm-traffic-increase':
      return sequential(gate, canary, resolved, deps, (h) => info(messages.waitingTraffic(t, h)));
    case 'confirm-promotion':
      return sequential(gate, canary, resolved, deps, (h) => info(messages.waitingPromotion(t, h)));
    case 'rollback': {
      // A rollback hook that answers with success asks for the rollback.
      for (const hook of hooksOf(resolved, 'rollback')) {
        const outcome = await call(hook, canary, phaseSent(gate, canary), deps);
        if (outcome.ok) return { open: false, hook: hook.name, events: [info(messages.hookPassed('Rollback', hook.name))] };
      }
      return { open: true, events: [] };
    }
    case 'analysis': {
      const hooks = await sequential(gate, canary, resolved, deps, (h, e) => warning(messages.externalCheckFailed(t, h, e)));
      if (!hooks.open) return hooks;
      if (resolved.metrics.length === 0) return hooks;
      const verdicts = await deps.runMetrics(resolved, canary, refs);
      const now = deps.now();
      const metrics = verdicts.map((v) => metricStatus(v, now));
      // Like Flagger, the first check that does not pass halts the step and is the one reported.
      const halted = verdicts.find((v) => v.result !== 'pass');
      // A check whose value came from one of several series says so once: in its own Warning,
      // or, for the halting check, in the halt (which carries the same sentence).
      const seriesWarnings = verdicts.filter((v) => v !== halted && v.seriesWarning).map((v) => warning(v.seriesWarning!));
      if (!halted) return { open: true, events: seriesWarnings, metrics };
      return {
        open: false,
        events: [warning(halted.halt ?? halted.message), ...seriesWarnings],
        metrics,
        countsAsFailedCheck: verdicts.some((v) => v.result !== 'pass' && v.countsAsFailedCheck),
      };
    }
  }
}

/** Post-rollout hooks: failures are only reported, they change nothing. */
export async function runPostRollout(canary: Canary, resolved: ResolvedCanary, deps: GateDeps): Promise<RolloutEvent[]> {
  const t = id(resolved.targetName, resolved.namespace);
  const events: RolloutEvent[] = [];
  for (const hook of hooksOf(resolved, 'post-rollout')) {
    const outcome = await call(hook, canary, phaseSent('post-rollout', canary), deps);
    events.push(outcome.ok ? info(messages.hookPassed('Post-rollout', hook.name)) : warning(messages.postRolloutFailed(t, hook.name, outcome.error)));
  }
  return events;
}
