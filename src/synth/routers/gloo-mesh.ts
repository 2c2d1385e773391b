// Gloo Mesh: the user's RouteTable (`spec.routeTableRef`, networking.gloo.solo.io/v2) delegates to
// another one by name; Sluice writes that delegate, as Flagger does. It takes the delegator's labels,
// annotations, workload selectors and weight, and holds one route, `weighted-route`, forwarding to
// the primary and canary Services at the current weights (a zero weight is left out, as Flagger's
// uint32 with omitempty writes it). A/B testing and mirroring are not Flagger's here: the table has
// no matched route.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { RouteTable, type RouteTableSpec, type RouteTableSpecHttpForwardToDestinations } from '../../imports/gloomesh-routetable-networking.gloo.solo.io.js';
import { fail } from '../errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../kube-json.js';
import { withoutForeignKeys } from '../ownership.js';
import { withFluxOptOut } from './route-metadata.js';
import type { RouteContext, Router } from './router.js';

/** The one route of the delegate table, by the name Flagger reads the weights back from. */
export const WEIGHTED_ROUTE = 'weighted-route';

export const glooMeshRouter: Router = {
  provider: 'gloo-mesh',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    const delegator = referencedTable(scope, ctx);
    const name = delegateNameOf(scope, ctx, delegator);
    const from = isJsonObject(delegator.spec) ? (delegator.spec as JsonObject) : {};
    const spec: RouteTableSpec = {
      ...(Array.isArray(from.workloadSelectors) ? { workloadSelectors: structuredClone(from.workloadSelectors) } : {}),
      ...(typeof from.weight === 'number' && from.weight !== 0 ? { weight: from.weight } : {}),
      http: [
        {
          name: WEIGHTED_ROUTE,
          forwardTo: {
            destinations: [destination(ctx, ctx.names.primary, ctx.weights.primary), destination(ctx, ctx.names.canary, ctx.weights.canary)],
          },
        },
      ],
    };
    return [
      new RouteTable(scope, `RouteTable-${name}`, {
        metadata: {
          name,
          namespace: ctx.namespace,
          labels: withoutForeignKeys(delegator.metadata.labels),
          annotations: withFluxOptOut(delegator.metadata.annotations),
          ...(ctx.ownerReferences.length ? { ownerReferences: ctx.ownerReferences } : {}),
        },
        spec,
      }),
    ];
  },
};

/** A Service of the Canary's namespace, its port by the Canary's `service.portName` when set, else by number. */
function destination(ctx: RouteContext, service: string, weight: number): RouteTableSpecHttpForwardToDestinations {
  const portName = ctx.canary.spec.service?.portName;
  return {
    ref: { name: service, namespace: ctx.namespace },
    port: portName ? { name: portName } : { number: ctx.resolved.service.port },
    ...(weight !== 0 ? { weight } : {}),
  };
}

function referencedTable(scope: Construct, ctx: RouteContext): KubeObject {
  const ref = ctx.canary.spec.routeTableRef;
  if (!ref?.name) fail(scope, 'spec.routeTableRef', 'is required when provider is gloo-mesh (the delegating RouteTable whose delegate Sluice writes)');
  const given = ctx.referenced.routeTable;
  if (!given) fail(scope, 'spec.routeTableRef', `RouteTable ${ctx.namespace}/${ref.name} was not given`);
  if (given.metadata.name !== ref.name) fail(scope, 'spec.routeTableRef.name', `names RouteTable ${ref.name} but ${given.metadata.name} was given`);
  return given;
}

/**
 * The table the delegator's first delegating route names first, as Flagger picks it. It must be
 * another table of the Canary's namespace: Sluice writes it there, and never over the user's own.
 */
function delegateNameOf(scope: Construct, ctx: RouteContext, delegator: KubeObject): string {
  const routes: JsonObject[] = isJsonObject(delegator.spec) && Array.isArray(delegator.spec.http) ? delegator.spec.http : [];
  const delegating = routes.find((r) => Array.isArray(r?.delegate?.routeTables) && r.delegate.routeTables.length > 0);
  const table = delegating?.delegate.routeTables[0] as JsonObject | undefined;
  const at = `RouteTable ${ctx.namespace}/${delegator.metadata.name}`;
  if (!table) fail(scope, 'spec.routeTableRef', `${at} has no route that delegates to another RouteTable (spec.http[].delegate.routeTables)`);
  if (typeof table.name !== 'string' || table.name === '') {
    fail(scope, 'spec.routeTableRef', `${at} delegates by labels, not by name: name the RouteTable Sluice writes in delegate.routeTables[0].name`);
  }
  if (table.namespace !== undefined && table.namespace !== '' && table.namespace !== ctx.namespace) {
    fail(
      scope,
      'spec.routeTableRef',
      `${at} delegates to RouteTable ${table.namespace}/${table.name}; Sluice writes the delegate in the Canary's namespace ${ctx.namespace}`,
    );
  }
  if (table.name === delegator.metadata.name) fail(scope, 'spec.routeTableRef', `${at} delegates to itself; Sluice would overwrite it`);
  return table.name;
}
