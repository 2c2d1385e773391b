// NGINX Ingress: a copy of the user's Ingress (`spec.ingressRef`) named `<ingress>-canary`
// (canary-ingress.ts), whose backends point at `<apex>-canary` and whose canary annotations tell
// ingress-nginx how much traffic, or which header or cookie, goes to it.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { JsonObject } from '../kube-json.js';
import { FLUX_OPT_OUT_ANNOTATIONS, isForeignKey } from '../ownership.js';
import { canaryIngress } from './canary-ingress.js';
import { headerConditionsOf } from './http-match.js';
import type { RouteContext, Router } from './router.js';

export const DEFAULT_INGRESS_ANNOTATIONS_PREFIX = 'nginx.ingress.kubernetes.io';

export const nginxRouter: Router = {
  provider: 'nginx',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    return [
      canaryIngress(scope, ctx, {
        backends: (spec) => pointBackendsAtCanary(spec, ctx.names.apex, ctx.names.canary),
        annotations: (theirs) => canaryAnnotations(ctx, theirs),
      }),
    ];
  },
};

/** Switches every path backend of the apex Service to the canary Service; false when there is none. */
function pointBackendsAtCanary(spec: JsonObject, apex: string, canary: string): boolean {
  let found = false;
  for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
    for (const path of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) {
      if (path?.backend?.service?.name === apex) {
        path.backend.service.name = canary;
        found = true;
      }
    }
  }
  return found;
}

/**
 * The user's annotations minus any canary ones (and Flux's and kubectl's keys), then ingress-nginx's canary
 * switch. A/B routes by header or cookie once the canary takes traffic; before that, and for weighted
 * canaries, by `canary-weight`.
 */
function canaryAnnotations(ctx: RouteContext, annotations: Record<string, string>): Record<string, string> {
  const prefix = ctx.ingressAnnotationsPrefix ?? DEFAULT_INGRESS_ANNOTATIONS_PREFIX;
  const key = (suffix: string) => `${prefix}/${suffix}`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) {
    if (!k.startsWith(key('canary')) && !isForeignKey(k)) out[k] = v;
  }
  Object.assign(out, FLUX_OPT_OUT_ANNOTATIONS);
  out[key('canary')] = 'true';
  const { strategy, match } = ctx.resolved;
  if (strategy.kind === 'ab-testing' && ctx.weights.canary > 0) {
    for (const [name, m] of headerConditionsOf(match)) {
      if (name === 'cookie') {
        if (m.exact !== undefined) out[key('canary-by-cookie')] = m.exact;
        continue;
      }
      out[key('canary-by-header')] = name;
      if (m.exact !== undefined) out[key('canary-by-header-value')] = m.exact;
      else if (m.regex !== undefined) out[key('canary-by-header-pattern')] = m.regex;
    }
  } else {
    out[key('canary-weight')] = String(ctx.weights.canary);
  }
  return out;
}
