// Skipper: a copy of the user's Ingress (`spec.ingressRef`) named `<ingress>-canary`. Each path whose
// backend is the apex Service is pointed at the primary, and a copy of it at the canary follows, so
// the canary Ingress splits by `zalando.org/backend-weights` and never sends to the apex. The user's
// Ingress stays as it is: `zalando.org/skipper-predicate` puts `Weight(100)` first while the canary
// has traffic (Skipper then prefers the canary Ingress's routes) and `False()` at weight 0 (its routes
// never match, so the user's Ingress serves everything), as Flagger writes them.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { JsonObject } from '../kube-json.js';
import { canaryIngress } from './canary-ingress.js';
import { withFluxOptOut } from './route-metadata.js';
import type { RouteContext, Router } from './router.js';

export const SKIPPER_BACKEND_WEIGHTS = 'zalando.org/backend-weights';
export const SKIPPER_PREDICATE = 'zalando.org/skipper-predicate';
const PREFER = 'Weight(100)';
const DISABLE = 'False()';

export const skipperRouter: Router = {
  provider: 'skipper',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    const { apex, primary, canary } = ctx.names;
    return [
      canaryIngress(scope, ctx, {
        backends: (spec) => splitApexBackends(spec, apex, primary, canary),
        annotations: (theirs) => skipperAnnotations(ctx, theirs),
      }),
    ];
  },
};

/** The user's annotations with Flux's opt-out, the backend weights and the predicate that ranks the copy. */
function skipperAnnotations(ctx: RouteContext, theirs: Record<string, string>): Record<string, string> {
  const { primary, canary } = ctx.names;
  const annotations = withFluxOptOut(theirs);
  // Flagger writes the weights as Go marshals a map: keys in sorted order.
  annotations[SKIPPER_BACKEND_WEIGHTS] = JSON.stringify(
    Object.fromEntries(
      [
        [primary, ctx.weights.primary],
        [canary, ctx.weights.canary],
      ].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
  );
  annotations[SKIPPER_PREDICATE] = firstPredicate(annotations[SKIPPER_PREDICATE], ctx.weights.canary > 0 ? PREFER : DISABLE);
  return annotations;
}

/** Points each path of the apex Service at the primary and appends its canary twin; false when there is none. */
function splitApexBackends(spec: JsonObject, apex: string, primary: string, canary: string): boolean {
  let found = false;
  for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
    const paths: JsonObject[] = Array.isArray(rule?.http?.paths) ? rule.http.paths : [];
    const twins: JsonObject[] = [];
    for (const path of paths) {
      if (path?.backend?.service?.name !== apex) continue;
      path.backend.service.name = primary;
      const twin = structuredClone(path);
      twin.backend.service.name = canary;
      twins.push(twin);
      found = true;
    }
    paths.push(...twins);
  }
  return found;
}

/** `predicate` first, then the user's predicates without Flagger's own two. */
function firstPredicate(raw: string | undefined, predicate: string): string {
  const kept = (raw ?? '')
    .split('&&')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p !== PREFER && p !== DISABLE);
  return [predicate, ...kept].join(' && ');
}
