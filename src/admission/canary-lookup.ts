// How the webhooks find the Canary of a Deployment. The controller passes its own informer
// cache; tests pass a list. Lookups are in memory: the admission path never calls the apiserver.
import type { Canary } from '../api/types.js';
import { isKnativeTarget } from '../api/knative.js';

export interface CanaryLookup {
  /** The Canary whose spec.targetRef is this Deployment (this Knative Service when `knative`), if any. */
  findByTarget(namespace: string, deploymentName: string, knative?: boolean): Canary | undefined;
}

/** True when the Canary, in this namespace, targets this Deployment. */
export function targetsDeployment(canary: Canary, namespace: string, deploymentName: string): boolean {
  const ref = canary.spec?.targetRef;
  return (
    canary.metadata?.namespace === namespace &&
    ref?.kind === 'Deployment' &&
    ref.name === deploymentName &&
    (ref.namespace === undefined || ref.namespace === namespace)
  );
}

/** True when the Canary, in this namespace, targets this Knative Service (serving.knative.dev, not core/v1). */
export function targetsKnativeService(canary: Canary, namespace: string, serviceName: string): boolean {
  const ref = canary.spec?.targetRef;
  return (
    canary.metadata?.namespace === namespace && isKnativeTarget(ref) && ref.name === serviceName && (ref.namespace === undefined || ref.namespace === namespace)
  );
}

/**
 * A lookup over whatever `canaries(namespace)` returns at call time, such as an informer's list.
 * Two Canaries on one target is a user error Flagger only logs; the first by name wins, so
 * the answer is at least stable.
 */
export function canaryLookupOver(canaries: (namespace: string) => readonly Canary[]): CanaryLookup {
  return {
    findByTarget(namespace, deploymentName, knative = false) {
      const targets = knative ? targetsKnativeService : targetsDeployment;
      const matches = canaries(namespace).filter((c) => targets(c, namespace, deploymentName));
      if (matches.length <= 1) return matches[0];
      return [...matches].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
    },
  };
}

/** A lookup over a fixed list. */
export function canaryLookupFromList(canaries: readonly Canary[]): CanaryLookup {
  return canaryLookupOver(() => canaries);
}

/** A lookup over a cache with list(namespace), e.g. startInformer(client, RESOURCES.canaries). */
export function canaryLookupFromCache(cache: { list(namespace?: string): readonly unknown[] }): CanaryLookup {
  return canaryLookupOver((namespace) => cache.list(namespace) as readonly Canary[]);
}
