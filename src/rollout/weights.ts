// Traffic weight arithmetic, as Flagger does it (nextStepWeight, maxWeight, stepWeightPromotion).
import type { ResolvedCanary } from '../api/defaults.js';

/** How traffic is split: the percentage for each side, and whether the canary gets a mirrored copy. */
export interface Weights {
  readonly primary: number;
  readonly canary: number;
  readonly mirror: boolean;
}

export const ALL_TO_PRIMARY: Weights = { primary: 100, canary: 0, mirror: false };

export function split(canary: number, mirror = false): Weights {
  return { primary: 100 - canary, canary, mirror };
}

/** The next canary weight after `current`: current + stepWeight, or the next stepWeights entry. */
export function nextCanaryWeight(r: Pick<ResolvedCanary, 'stepWeight' | 'stepWeights' | 'maxWeight'>, current: number): number {
  let next: number;
  if (r.stepWeights.length > 0) {
    next = r.stepWeights.find((w) => w > current) ?? r.maxWeight;
  } else {
    next = current + r.stepWeight;
  }
  return Math.min(next, r.maxWeight);
}

/**
 * During promotion with stepWeightPromotion, the primary's next weight; 100 when promotion
 * routes everything at once.
 */
export function nextPrimaryWeight(r: Pick<ResolvedCanary, 'stepWeightPromotion'>, currentPrimary: number): number {
  if (r.stepWeightPromotion <= 0) return 100;
  return Math.min(100, currentPrimary + r.stepWeightPromotion);
}
