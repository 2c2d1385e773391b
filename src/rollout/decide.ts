// The rollout state machine: one pure step from what is observed to what should happen.
// It follows Flagger's phases and tick order (see ../../README.md, "Rollout engine"), with
// two differences: a new revision is acted on as soon as it is seen (watch-driven), and only
// analysis steps wait for the interval (./decide/pacing.ts), paced by status.lastAnalysisTime so
// any number of reconciles between two steps does the same as one. Each phase is in ./decide/.
import type { Decision, Observed } from './decision.js';
import { messages, id } from './messages.js';
import { initialize, needsInitialization } from './decide/initialize.js';
import { awaitRevision, awaitsRevision } from './decide/idle.js';
import { advanceRollout } from './decide/under-way.js';
import { Step, warning } from './decide/step.js';
import { tickOf, type Tick } from './decide/tick.js';

export { IDLE_RESYNC_MS } from './decide/requeue.js';
export { routesFor } from './decide/routes.js';
export { statusTime } from './decide/step.js';

export function decide(obs: Observed): Decision {
  const { target, targetRevision } = obs;
  if (obs.resolved.suspend) return suspended(obs);
  if (!target || !targetRevision) return targetMissing(obs);
  const tick = tickOf(obs, target, targetRevision);
  if (needsInitialization(tick)) return initialize(tick);
  if (tick.adopted) adopt(tick);
  if (awaitsRevision(tick.phase)) return awaitRevision(tick);
  return advanceRollout(tick);
}

function suspended(obs: Observed): Decision {
  const step = new Step(obs);
  step.note = messages.suspended();
  return step.done(obs.resolved.intervalMs);
}

function targetMissing(obs: Observed): Decision {
  const { targetName, namespace, intervalMs } = obs.resolved;
  const step = new Step(obs);
  step.events.push(warning(messages.targetMissing(id(targetName, namespace), 'deployment not found')));
  return step.done(intervalMs);
}

/** Keeps a status Flagger left idle, with Sluice's hashes: no rollout for what already runs. */
function adopt(tick: Tick): void {
  Object.assign(tick.step.status, tick.adopted);
  tick.step.note = `status written by Flagger adopted: the primary runs revision ${tick.adopted?.lastAppliedSpec}`;
}
