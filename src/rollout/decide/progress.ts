// The analysis progress kept in the status, and its resets.
import type { Tick } from './tick.js';

/** Where an analysis starts from, and where Flagger's rollback returns the status to. */
export const NO_PROGRESS = { canaryWeight: 0, failedChecks: 0, iterations: 0, mirrored: false } as const;

/** A fresh analysis of the target's revision: no weight, checks, iterations, mirroring or verdicts yet. */
export function startAnalysis(tick: Tick): void {
  Object.assign(tick.step.status, NO_PROGRESS, {
    metrics: [],
    lastAppliedSpec: tick.revision,
    trackedConfigs: tick.obs.trackedConfigs,
    firstStepPending: true,
  });
}
