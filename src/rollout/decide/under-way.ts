// A rollout under way (Progressing, WaitingPromotion, Promoting, Finalising): restart it on a
// new revision, abort it when asked, otherwise take its next step once the interval is up and
// the primary is ready.
import type { Decision } from '../decision.js';
import { conditionMessages, messages } from '../messages.js';
import { workloadReadiness, type Readiness } from '../readiness.js';
import { ALL_TO_PRIMARY } from '../weights.js';
import { analyse } from './analysis.js';
import { failPromotion, rollback, succeed } from './outcomes.js';
import { ANALYSING } from './phases.js';
import { startAnalysis } from './progress.js';
import { promotionStep } from './promotion.js';
import { READINESS_POLL_MS } from './requeue.js';
import { scaleUpReplicas } from './scale-up.js';
import { info, warning } from './step.js';
import type { Tick } from './tick.js';

export function advanceRollout(tick: Tick): Decision {
  const { obs, step } = tick;
  const analysing = ANALYSING.includes(tick.phase);
  if (analysing && (tick.revisionChanged || tick.configsChanged)) return restartAnalysis(tick);
  if (analysing && obs.commands.abort) return abort(tick, obs.commands.abort);

  step.route(tick.currentRoutes);
  const targetReplicas = tick.target.spec?.replicas ?? 0;
  if (analysing && targetReplicas === 0) return scaleUpAgain(tick);
  const promoteNow = analysing && obs.commands.promote !== undefined;
  if (tick.dueInMs > 0 && !promoteNow) return step.done(tick.dueInMs);
  return nextStep(tick, promoteNow);
}

/** The step that is due: once the primary is ready, promotion's, finalisation's or the analysis's. */
function nextStep(tick: Tick, promoteNow: boolean): Decision {
  const primaryReadiness = workloadReadiness(tick.obs.primary, tick.r.primaryReadyThreshold);
  if (!primaryReadiness.ready) return awaitPrimary(tick, primaryReadiness);
  if (tick.phase === 'Promoting') return promotionStep(tick);
  if (tick.phase === 'Finalising') return succeed(tick, [messages.promoted(tick.targetId)], false);
  return analyse(tick, promoteNow);
}

/** The target changed mid-analysis: the analysis starts again, for the new revision. */
function restartAnalysis(tick: Tick): Decision {
  const { step } = tick;
  step.events.push(info(messages.restart(tick.targetId)));
  startAnalysis(tick);
  step.phase('Progressing', { status: 'Unknown', message: conditionMessages.progressing });
  step.route(ALL_TO_PRIMARY);
  step.stepped();
  return step.done(READINESS_POLL_MS);
}

function abort(tick: Tick, by: string): Decision {
  const { step } = tick;
  step.status.commands = { ...step.status.commands, abort: by };
  return rollback(tick, messages.rollbackAborted(tick.targetId, by), 'warn');
}

/**
 * The start's scale-up follows its status write; a crash in between left the canary at zero
 * replicas, which would look ready with nothing to analyse. Scale up again and wait for it.
 */
function scaleUpAgain(tick: Tick): Decision {
  const { step } = tick;
  step.scaleTarget = scaleUpReplicas(tick.obs, tick.target);
  step.note = `${tick.targetId} has no replicas while ${tick.phase}; scaling it up before the next step`;
  return step.done(READINESS_POLL_MS);
}

/** The primary is not ready: wait for it, unless it is stuck while taking the new template. */
function awaitPrimary(tick: Tick, primaryReadiness: Readiness): Decision {
  const promoting = tick.phase === 'Promoting' || tick.phase === 'Finalising';
  if (promoting && primaryReadiness.stuck) {
    return failPromotion(tick, messages.promotionFailed(tick.targetId, primaryReadiness.reason));
  }
  // Within the interval Flagger would not have looked yet: wait for the primary without a warning.
  if (tick.intervalDueInMs === 0) tick.step.events.push(warning(messages.primaryNotReady(tick.primaryId, primaryReadiness.reason)));
  return tick.step.done(READINESS_POLL_MS);
}
