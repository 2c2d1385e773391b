// Initialization: the primary, services and routes are created from the target; once the
// primary is ready the target is scaled to zero and the Canary waits for a new revision.
import type { Decision } from '../decision.js';
import { conditionMessages, messages } from '../messages.js';
import { targetKindOf } from '../../api/workloads.js';
import { workloadReadiness } from '../readiness.js';
import { ALL_TO_PRIMARY } from '../weights.js';
import { gateResult } from './gates.js';
import { ACTIVE } from './phases.js';
import { READINESS_POLL_MS } from './requeue.js';
import { ask, info, warning } from './step.js';
import { NO_PROGRESS } from './progress.js';
import type { Tick } from './tick.js';

/** Never initialized, part way through, or the primary is gone while no rollout is under way. */
export function needsInitialization(tick: Tick): boolean {
  const { phase } = tick;
  return phase === '' || phase === 'Initializing' || (!tick.obs.primary && !ACTIVE.includes(phase));
}

export function initialize(tick: Tick): Decision {
  const { obs, r, step } = tick;
  step.route(ALL_TO_PRIMARY, true);
  const primaryReadiness = workloadReadiness(obs.primary, r.primaryReadyThreshold);
  if (!primaryReadiness.ready) {
    step.phase('Initializing', { status: 'Unknown', message: conditionMessages.initializing(targetKindOf(obs.canary.spec.targetRef)) });
    if (obs.primary) step.events.push(warning(messages.primaryNotReady(tick.primaryId, primaryReadiness.reason)));
    return step.done(READINESS_POLL_MS);
  }
  // Flagger checks the metric providers while initializing; it reports, it never holds.
  const providers = gateResult(obs, 'metric-providers');
  if (!providers) return ask(obs, 'metric-providers');
  step.events.push(...providers.events);
  Object.assign(step.status, NO_PROGRESS, {
    lastAppliedSpec: tick.revision,
    lastPromotedSpec: tick.revision,
    trackedConfigs: obs.trackedConfigs,
  });
  step.phase('Initialized', { status: 'True', message: conditionMessages.initialized(targetKindOf(obs.canary.spec.targetRef)) });
  step.scaleTarget = 0;
  step.events.push(info(messages.initialized(tick.targetId)));
  return step.done(r.intervalMs);
}
