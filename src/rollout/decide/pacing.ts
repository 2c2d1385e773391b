// What paces the next step of a rollout (issue #18). Analysis steps wait a full interval after
// the previous step, so each weight is analysed for the time the user wrote. The steps between
// them wait for evidence only, which the watches bring: the first step once the scaled-up canary
// is ready, routing all traffic to the primary once it runs the new template, scaling the canary
// down right after, and the rollback once the failed checks reach the threshold. Flagger waits a
// tick for each of these; the phases and Events stay its own, only the wait goes.
import type { ResolvedCanary } from '../../api/defaults.js';
import type { CanaryPhase, CanaryStatus } from '../../api/types.js';
import { nextPrimaryWeight } from '../weights.js';

/** An analysis that has not taken its first step: no weight, iteration or mirroring yet. */
export function analysisNotStarted(status: CanaryStatus): boolean {
  return (status.canaryWeight ?? 0) === 0 && (status.iterations ?? 0) === 0 && !status.mirrored;
}

/** True when the next step waits for its condition only, not for the interval. */
export function pacedByEvidence(phase: CanaryPhase, status: CanaryStatus, r: Pick<ResolvedCanary, 'threshold' | 'stepWeightPromotion'>): boolean {
  switch (phase) {
    case 'Progressing':
      // Only until the first checks ran: a closed gate or a failed check there keeps the interval.
      return (status.firstStepPending === true && analysisNotStarted(status)) || (status.failedChecks ?? 0) >= r.threshold;
    case 'Promoting':
      // The last promotion step routes everything to the primary; stepWeightPromotion's earlier
      // ones shift traffic gradually, and keep the interval the user chose for that.
      return nextPrimaryWeight(r, 100 - (status.canaryWeight ?? 0)) >= 100;
    case 'Finalising':
      return true;
    default:
      return false;
  }
}
