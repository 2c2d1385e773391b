// Which kind of rollout a Canary asks for, decided as Flagger decides it
// (DeploymentStrategy): match + iterations is A/B, iterations alone is Blue/Green,
// anything else a progressive canary. Mirroring rides on canary or Blue/Green.
import { routesByWeight } from './providers.js';
import type { CanaryAnalysis } from './types.js';

export type StrategyKind = 'canary' | 'ab-testing' | 'blue-green';

export interface Strategy {
  readonly kind: StrategyKind;
  /** Shadow live traffic to the canary before (canary) or during (Blue/Green) the analysis. */
  readonly mirror: boolean;
}

/** A provider that cannot route by weight (kubernetes) can only switch Services: always Blue/Green. */
export const KUBERNETES_BLUE_GREEN_ITERATIONS = 10;

export function strategyOf(provider: string, analysis: CanaryAnalysis | undefined): Strategy {
  const iterations = analysis?.iterations ?? 0;
  const mirror = analysis?.mirror === true;
  if (!routesByWeight(provider)) return { kind: 'blue-green', mirror: false };
  if ((analysis?.match?.length ?? 0) > 0 && iterations > 0) return { kind: 'ab-testing', mirror: false };
  if (iterations > 0) return { kind: 'blue-green', mirror };
  return { kind: 'canary', mirror };
}
