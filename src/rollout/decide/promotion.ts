// Promotion: the confirm-promotion gate, the copy of the target's template to the primary, and
// the primary's weight stepping back to 100 (stepWeightPromotion) before the rollout succeeds.
import type { Decision } from '../decision.js';
import { approvalAlerts, conditionMessages, messages } from '../messages.js';
import { ALL_TO_PRIMARY, nextPrimaryWeight, split } from '../weights.js';
import { gateResult, muted } from './gates.js';
import { ask, info } from './step.js';
import { pacedByEvidence } from './pacing.js';
import { READINESS_POLL_MS } from './requeue.js';
import type { Tick } from './tick.js';

/** The analysis is complete: promote once the confirm-promotion gate allows it. */
export function awaitPromotion(tick: Tick): Decision {
  const { obs, step } = tick;
  const promotion = gateResult(obs, 'confirm-promotion');
  if (!promotion) return ask(obs, 'confirm-promotion');
  step.events.push(...promotion.events);
  if (promotion.open) return copyToPrimary(tick);
  const firstHold = tick.phase !== 'WaitingPromotion';
  if (firstHold && !muted(tick.r, promotion)) step.alerts.push({ severity: 'warn', message: approvalAlerts.promotion });
  step.phase('WaitingPromotion', { status: 'Unknown', message: conditionMessages.waitingPromotion });
  step.stepped();
  return step.done(tick.r.intervalMs);
}

/** The primary takes the target's template; traffic stays as it is until the primary has it. */
export function copyToPrimary(tick: Tick): Decision {
  const { step } = tick;
  step.events.push(info(messages.copying(tick.targetId, tick.primaryId)));
  step.phase('Promoting', { status: 'Unknown', message: conditionMessages.promoting });
  step.route(tick.currentRoutes, true);
  step.stepped();
  // The next step waits for the primary's rollout of the new template (pacing.ts), not the interval.
  return step.done(pacedByEvidence('Promoting', step.status, tick.r) ? READINESS_POLL_MS : tick.r.intervalMs);
}

/** One step of Promoting: more weight to the primary, or all of it and on to Finalising. */
export function promotionStep(tick: Tick): Decision {
  const { r, step, targetId } = tick;
  const primaryWeight = nextPrimaryWeight(r, 100 - (tick.stored.canaryWeight ?? 0));
  if (primaryWeight < 100) {
    const canaryWeight = 100 - primaryWeight;
    step.events.push(info(messages.advancePrimaryWeight(targetId, primaryWeight)));
    Object.assign(step.status, { canaryWeight, mirrored: false });
    step.route(split(canaryWeight));
  } else {
    step.events.push(info(messages.routingAllToPrimary()));
    Object.assign(step.status, { canaryWeight: 0, mirrored: false });
    step.phase('Finalising', { status: 'Unknown', message: conditionMessages.finalising });
    step.route(ALL_TO_PRIMARY);
  }
  step.stepped();
  return step.done(pacedByEvidence(step.status.phase ?? '', step.status, r) ? 0 : r.intervalMs);
}
