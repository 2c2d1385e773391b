// The start of a rollout: the confirm-rollout gate holds it in Waiting until approved, then the
// analysis starts from nothing and the target is scaled up.
import type { Decision, GateResult } from '../decision.js';
import { approvalAlerts, conditionMessages, messages } from '../messages.js';
import { ALL_TO_PRIMARY } from '../weights.js';
import { gateResult, muted } from './gates.js';
import { scaleUpReplicas } from './scale-up.js';
import { ask, info } from './step.js';
import { startAnalysis } from './progress.js';
import { READINESS_POLL_MS } from './requeue.js';
import type { Tick } from './tick.js';

/** `retry`: a retry of the failed revision was asked, and is recorded as carried out. */
export function confirmRollout(tick: Tick, retry: boolean): Decision {
  const { obs, step } = tick;
  const confirm = gateResult(obs, 'confirm-rollout');
  if (!confirm) return ask(obs, 'confirm-rollout');
  step.route(ALL_TO_PRIMARY);
  if (!confirm.open) return holdForApproval(tick, confirm);
  return startRollout(tick, confirm, retry);
}

function holdForApproval(tick: Tick, confirm: GateResult): Decision {
  const { step } = tick;
  step.events.push(...confirm.events);
  const firstHold = tick.phase !== 'Waiting';
  if (firstHold && !muted(tick.r, confirm)) step.alerts.push({ severity: 'warn', message: approvalAlerts.rollout });
  step.phase('Waiting', { status: 'Unknown', message: conditionMessages.waiting });
  step.stepped();
  return step.done(tick.r.intervalMs);
}

function startRollout(tick: Tick, confirm: GateResult, retry: boolean): Decision {
  const { obs, step } = tick;
  step.events.push(...confirm.events, info(messages.newRevision(tick.targetId)));
  step.alerts.push({ severity: 'info', message: conditionMessages.progressing });
  startAnalysis(tick);
  if (retry) step.status.commands = { ...step.status.commands, retry: obs.commands.retry };
  step.phase('Progressing', { status: 'Unknown', message: conditionMessages.progressing });
  step.scaleTarget = scaleUpReplicas(obs, tick.target);
  step.stepped();
  // The first step follows as soon as the canary is ready (pacing.ts); its watch brings it sooner.
  return step.done(READINESS_POLL_MS);
}
