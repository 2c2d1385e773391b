// One analysis step of Progressing or WaitingPromotion: wait for the canary, roll back when a
// hook, the failed checks or the deadline say so, otherwise run the checks (pre-rollout hooks on
// the first step, then rollout hooks and metrics) and take the strategy's next step.
import type { Decision, Gate } from '../decision.js';
import { messages } from '../messages.js';
import { workloadReadiness, type Readiness } from '../readiness.js';
import { gateResult } from './gates.js';
import { rollback, succeed } from './outcomes.js';
import { awaitPromotion } from './promotion.js';
import { READINESS_POLL_MS } from './requeue.js';
import { ask, info, warning } from './step.js';
import { strategyStep } from './strategy-step.js';
import { analysisNotStarted } from './pacing.js';
import type { Tick } from './tick.js';

/** `promoteNow`: an immediate promotion was asked (the promote command). */
export function analyse(tick: Tick, promoteNow: boolean): Decision {
  const { obs, r, step, targetId } = tick;
  const canaryReadiness = workloadReadiness(tick.target, r.canaryReadyThreshold);
  if (!canaryReadiness.ready) return awaitCanary(tick, canaryReadiness);

  const rollbackHooks = gateResult(obs, 'rollback');
  if (!rollbackHooks) return ask(obs, 'rollback');
  if (!rollbackHooks.open) return rollback(tick, messages.rollbackManual(targetId), 'warn');

  if (r.skipAnalysis || promoteNow) return promoteAtOnce(tick, promoteNow);
  const failedChecks = tick.stored.failedChecks ?? 0;
  if (failedChecks >= r.threshold) return rollback(tick, messages.rollbackThreshold(targetId, failedChecks));
  if (obs.commands.paused) {
    step.note = messages.paused(targetId);
    return step.done(r.intervalMs);
  }
  return runChecks(tick, failedChecks);
}

/** The canary is not ready: wait, unless it is stuck or past its progress deadline. */
function awaitCanary(tick: Tick, canaryReadiness: Readiness): Decision {
  const { obs, r, targetId } = tick;
  const since = Date.parse(tick.stored.lastTransitionTime ?? new Date(obs.now).toISOString());
  const pastDeadline = obs.now - since > r.progressDeadlineSeconds * 1000;
  if (canaryReadiness.stuck || pastDeadline) return rollback(tick, messages.rollbackDeadline(targetId, canaryReadiness.reason));
  // Within the interval Flagger would not have looked yet: wait for the canary without a warning.
  if (tick.intervalDueInMs === 0) tick.step.events.push(warning(messages.canaryNotReady(targetId, canaryReadiness.reason)));
  return tick.step.done(READINESS_POLL_MS);
}

/** skipAnalysis, or the promote command: the target's template goes to the primary now. */
function promoteAtOnce(tick: Tick, promoteNow: boolean): Decision {
  const { obs, step, targetId } = tick;
  if (promoteNow) step.status.commands = { ...step.status.commands, promote: obs.commands.promote };
  return succeed(tick, [messages.copying(targetId, tick.primaryId), messages.promotedSkipped(targetId)], true);
}

/** The checks of this step; a closed gate is a failed check (unless it says otherwise) and no step. */
function runChecks(tick: Tick, failedChecks: number): Decision {
  const { obs, stored, step } = tick;
  const starting = analysisNotStarted(stored);
  const checksGate: Gate = starting ? 'pre-rollout' : 'analysis';
  const checks = gateResult(obs, checksGate);
  if (!checks) return ask(obs, checksGate);
  delete step.status.firstStepPending;
  if (starting) step.events.push(info(messages.starting(tick.targetId)));
  step.events.push(...checks.events);
  if (checks.metrics) step.status.metrics = checks.metrics;
  if (!checks.open) {
    if (checks.countsAsFailedCheck !== false) step.status.failedChecks = failedChecks + 1;
    step.stepped();
    // At the threshold the rollback is due at once (pacing.ts), after this status is stored.
    const atThreshold = (step.status.failedChecks ?? 0) >= tick.r.threshold;
    return step.done(atThreshold ? 0 : tick.r.intervalMs);
  }
  return strategyStep(tick) ?? awaitPromotion(tick);
}
