// The Stalled condition: Sluice's word, in the Canary's status, that the spec cannot be carried
// out as written (a TerminalError). Flagger's only condition is Promoted; Stalled sits beside it
// and is removed by the first reconcile that succeeds. Pure: the controller writes what this returns.
import type { CanaryCondition, CanaryStatus } from '../api/types.js';
import { capMessage } from '../api/message.js';
import type { TerminalError } from './result.js';

export const STALLED = 'Stalled';

/** The Stalled condition of a status, if any. */
export function stalledOf(status: CanaryStatus | undefined): CanaryCondition | undefined {
  return status?.conditions?.find((c) => c.type === STALLED);
}

/** True when the status already says exactly this (so neither an Event nor a write is needed). */
export function alreadyStalled(status: CanaryStatus | undefined, err: TerminalError): boolean {
  const current = stalledOf(status);
  return current?.status === 'True' && current.reason === err.reason && current.message === capMessage(err.message);
}

/** The conditions with Stalled set to `err`, the others (Promoted) kept as they are. */
export function withStalled(status: CanaryStatus | undefined, err: TerminalError, nowIso: string): CanaryCondition[] {
  const previous = stalledOf(status);
  const others = (status?.conditions ?? []).filter((c) => c.type !== STALLED);
  return [
    ...others,
    {
      type: STALLED,
      status: 'True',
      reason: err.reason,
      message: capMessage(err.message),
      lastUpdateTime: nowIso,
      lastTransitionTime: previous?.status === 'True' ? (previous.lastTransitionTime ?? nowIso) : nowIso,
    },
  ];
}

/** The status without Stalled: what a reconcile that succeeds writes. */
export function withoutStalled(status: CanaryStatus): CanaryStatus {
  if (!stalledOf(status)) return status;
  const conditions = (status.conditions ?? []).filter((c) => c.type !== STALLED);
  const { conditions: _all, ...rest } = status;
  return conditions.length ? { ...rest, conditions } : rest;
}
