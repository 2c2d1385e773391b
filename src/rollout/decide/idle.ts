// Waiting for a new revision (Initialized, Succeeded, Failed) or for the approval to roll one
// out (Waiting): nothing happens until the target's template or configs change, or a retry is asked.
import type { CanaryPhase } from '../../api/types.js';
import type { Decision } from '../decision.js';
import { conditionMessages } from '../messages.js';
import { ALL_TO_PRIMARY } from '../weights.js';
import { IDLE } from './phases.js';
import { IDLE_RESYNC_MS } from './requeue.js';
import { confirmRollout } from './start.js';
import type { Tick } from './tick.js';

export function awaitsRevision(phase: CanaryPhase): boolean {
  return IDLE.includes(phase) || phase === 'Waiting';
}

export function awaitRevision(tick: Tick): Decision {
  const { obs, phase, stored, step, revisionChanged, configsChanged } = tick;
  const waiting = phase === 'Waiting';
  const retry = phase === 'Failed' && obs.commands.retry !== undefined;
  const nothingNew = !revisionChanged && !configsChanged && !retry;
  if (nothingNew && !waiting) return stayIdle(tick);
  const backToPrimary = revisionChanged && !configsChanged && !retry && tick.revision === stored.lastPromotedSpec;
  if (backToPrimary) return keepPrimary(tick);
  if (waiting && tick.dueInMs > 0 && !obs.gates['confirm-rollout']) return step.route(ALL_TO_PRIMARY).done(tick.dueInMs);
  return confirmRollout(tick, retry);
}

/** Nothing to do: all traffic to the primary, and the target kept at zero replicas. */
function stayIdle(tick: Tick): Decision {
  const { step } = tick;
  step.route(ALL_TO_PRIMARY);
  if ((tick.target.spec?.replicas ?? 0) !== 0) step.scaleTarget = 0;
  return step.done(IDLE_RESYNC_MS);
}

/** The target went back to what the primary runs: nothing to analyse. */
function keepPrimary(tick: Tick): Decision {
  const { step, revision } = tick;
  step.status.lastAppliedSpec = revision;
  step.route(ALL_TO_PRIMARY);
  step.note = `revision ${revision} equals the primary's; no rollout`;
  if (tick.phase === 'Waiting') step.phase('Succeeded', { status: 'True', message: conditionMessages.succeeded });
  return step.done(tick.r.intervalMs);
}
