// The traffic split a Canary's status stands for.
import type { CanaryStatus } from '../../api/types.js';
import { ALL_TO_PRIMARY, split, type Weights } from '../weights.js';

/** The traffic split that a status stands for; routes are always re-derived from it. */
export function routesFor(status: CanaryStatus, strategyKind: string): Weights {
  const phase = status.phase ?? '';
  if (!['Progressing', 'WaitingPromotion', 'Promoting'].includes(phase)) return ALL_TO_PRIMARY;
  if (strategyKind === 'ab-testing') return (status.iterations ?? 0) > 0 ? split(100) : ALL_TO_PRIMARY;
  return split(status.canaryWeight ?? 0, status.mirrored === true);
}
