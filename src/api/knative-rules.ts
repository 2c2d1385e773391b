// Validation of a knative Canary: provider knative and a Knative Service target go together (Flagger's
// docs: the Canary is valid only with targetRef kind Service and apiVersion serving.knative.dev/v1).
// Knative scales its revisions itself, so there is no autoscaler to copy, and serves its own Service, so
// spec.service is optional for it alone.
import { isKnativeTarget, KNATIVE_SERVICE } from './knative.js';
import { problem, quote, type Problem } from './problem.js';
import type { Canary } from './types.js';
import { targetKindOf } from './workloads.js';

const KNATIVE_TARGET = `kind ${KNATIVE_SERVICE.kind} with apiVersion ${KNATIVE_SERVICE.apiVersion}`;

/** Every provider but knative routes to the Services Sluice makes of spec.service; Knative serves its own. */
export function serviceProblems(canary: Canary, provider: string): Problem[] {
  return canary.spec.service === undefined && provider !== 'knative' ? [problem('spec.service', 'is required')] : [];
}

export function knativeProblems(canary: Canary, provider: string): Problem[] {
  const ref = canary.spec.targetRef;
  if (!ref || typeof ref !== 'object') return [];
  const knativeTarget = isKnativeTarget(ref);
  if (provider === 'knative' && !knativeTarget) {
    const field = targetKindOf(ref) === KNATIVE_SERVICE.kind ? 'spec.targetRef.apiVersion' : 'spec.targetRef.kind';
    const got = field === 'spec.targetRef.kind' ? targetKindOf(ref) : (ref.apiVersion ?? '');
    return [problem(field, `provider knative routes between the revisions of a Knative Service: targetRef must be ${KNATIVE_TARGET}, got ${quote(got)}`)];
  }
  if (knativeTarget && provider !== 'knative') {
    return [
      problem(
        'spec.provider',
        `a Knative Service target (${ref.apiVersion}) is routed through its revisions: provider must be knative, got ${quote(provider)}`,
      ),
    ];
  }
  if (knativeTarget && canary.spec.autoscalerRef) {
    return [problem('spec.autoscalerRef', 'Knative scales the revisions of a Knative Service itself: remove autoscalerRef')];
  }
  return [];
}
