// Apache APISIX: a copy of the user's ApisixRoute (`spec.routeRef`) named `<route>-<apex>-canary`,
// holding only the HTTP rule whose single backend is the apex Service, at the highest priority, with
// two weighted backends: the primary (where the apex was) and the canary. Labels and annotations
// come from the user's route. The copy is the user's object, so it goes through a raw ApiObject (as
// nginx's Ingress does): nothing the user wrote in the rule is lost.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ApisixRoute } from '../../imports/apisix-apisixroute-apisix.apache.org.js';
import { fail } from '../errors.js';
import { isJsonObject, type JsonObject } from '../kube-json.js';
import { withFluxOptOut } from './route-metadata.js';
import { withoutForeignKeys } from '../ownership.js';
import type { RouteContext, Router } from './router.js';

/** Flagger's priority for the canary route, above the user's. */
export const APISIX_CANARY_PRIORITY = 10000;

export const apisixRouter: Router = {
  provider: 'apisix',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    const route = referencedRoute(scope, ctx);
    const { apex, primary, canary } = ctx.names;
    const spec = structuredClone(isJsonObject(route.spec) ? route.spec : {}) as JsonObject;
    const rules: JsonObject[] = Array.isArray(spec.http) ? spec.http : [];
    if (rules.length === 0) fail(scope, 'spec.routeRef', `ApisixRoute ${route.metadata.name} has no spec.http rules`);
    const rule = rules.find((r) => (Array.isArray(r?.backends) ? r.backends : []).some((b: JsonObject) => b?.serviceName === apex));
    if (!rule) fail(scope, 'spec.routeRef', `ApisixRoute ${route.metadata.name} has no backend for Service ${apex}`);
    if (rule.backends.length !== 1) {
      fail(
        scope,
        'spec.routeRef',
        `ApisixRoute ${route.metadata.name}: its rule ${rule.name} must have one backend (Service ${apex}), it has ${rule.backends.length}`,
      );
    }
    const [backend] = rule.backends as JsonObject[];
    const canaryBackend: JsonObject = { serviceName: canary, weight: ctx.weights.canary };
    for (const field of ['servicePort', 'resolveGranularity', 'subset']) if (backend[field] !== undefined) canaryBackend[field] = backend[field];
    spec.http = [
      {
        ...rule,
        priority: APISIX_CANARY_PRIORITY,
        backends: [{ ...backend, serviceName: primary, weight: ctx.weights.primary }, canaryBackend],
      },
    ];
    const name = `${route.metadata.name}-${apex}-canary`;
    return [
      new ApiObject(scope, `ApisixRoute-${name}`, {
        ...ApisixRoute.GVK,
        metadata: {
          name,
          namespace: ctx.namespace,
          labels: withoutForeignKeys(route.metadata.labels),
          annotations: withFluxOptOut(route.metadata.annotations),
          ...(ctx.ownerReferences.length ? { ownerReferences: ctx.ownerReferences } : {}),
        },
        spec,
      }),
    ];
  },
};

function referencedRoute(scope: Construct, ctx: RouteContext) {
  const ref = ctx.canary.spec.routeRef;
  if (!ref?.name) fail(scope, 'spec.routeRef', 'is required when provider is apisix (the ApisixRoute to copy for the canary)');
  const given = ctx.referenced.route;
  if (!given) fail(scope, 'spec.routeRef', `ApisixRoute ${ctx.namespace}/${ref.name} was not given`);
  if (given.metadata.name !== ref.name) fail(scope, 'spec.routeRef.name', `names ApisixRoute ${ref.name} but ${given.metadata.name} was given`);
  return given;
}
