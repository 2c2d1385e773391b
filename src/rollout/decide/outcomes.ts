// How a rollout ends: rolled back, promoted, or failed while promoting.
import type { AlertSeverity, Decision } from '../decision.js';
import { conditionMessages, messages } from '../messages.js';
import { ALL_TO_PRIMARY, split } from '../weights.js';
import { info, warning } from './step.js';
import { NO_PROGRESS } from './progress.js';
import type { Tick } from './tick.js';

/** All traffic back to the primary and the canary scaled to zero: Failed. */
export function rollback(tick: Tick, reason: string, severity: AlertSeverity = 'error'): Decision {
  const { step } = tick;
  step.events.push(warning(reason), warning(messages.failed(tick.targetId)));
  step.alerts.push({ severity, message: reason });
  // As Flagger's rollback, which syncs the status to Failed with zero checks and iterations.
  Object.assign(step.status, NO_PROGRESS);
  delete step.status.firstStepPending;
  step.phase('Failed', { status: 'False', message: conditionMessages.failed(tick.targetId) });
  step.route(ALL_TO_PRIMARY);
  step.scaleTarget = 0;
  step.postRollout = 'Failed';
  step.stepped();
  return step.done(tick.r.intervalMs);
}

/** The revision under analysis is now the primary's: all traffic there, the canary at zero. */
export function succeed(tick: Tick, events: string[], primaryFromTarget: boolean): Decision {
  const { step } = tick;
  step.events.push(...events.map(info));
  step.alerts.push({ severity: 'info', message: conditionMessages.succeeded });
  Object.assign(step.status, { canaryWeight: 0, mirrored: false, lastPromotedSpec: tick.stored.lastAppliedSpec });
  delete step.status.firstStepPending;
  step.phase('Succeeded', { status: 'True', message: conditionMessages.succeeded });
  step.route(ALL_TO_PRIMARY, primaryFromTarget);
  step.scaleTarget = 0;
  step.postRollout = 'Succeeded';
  step.stepped();
  return step.done(tick.r.intervalMs);
}

/** The primary cannot take the new template: Failed, with all traffic left on the canary that serves it. */
export function failPromotion(tick: Tick, reason: string): Decision {
  const { step } = tick;
  step.events.push(warning(reason));
  step.alerts.push({ severity: 'error', message: reason });
  Object.assign(step.status, { canaryWeight: 100, mirrored: false });
  step.phase('Failed', { status: 'False', message: conditionMessages.failed(tick.targetId) });
  step.route(split(100));
  step.postRollout = 'Failed';
  step.stepped();
  return step.done(tick.r.intervalMs);
}
