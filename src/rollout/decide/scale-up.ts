// How many replicas the target gets when a rollout starts.
import type { Observed } from '../decision.js';
import type { DeploymentLike } from '../readiness.js';

/** Replicas for the target when a rollout starts (Flagger's ScaleFromZero). */
export function scaleUpReplicas(obs: Observed, target: DeploymentLike): number {
  const own = target.spec?.replicas ?? 0;
  if (own > 0) return own;
  if (obs.autoscalerMinReplicas !== undefined) return Math.max(1, obs.autoscalerMinReplicas);
  return Math.max(1, obs.primary?.spec?.replicas ?? 1);
}
