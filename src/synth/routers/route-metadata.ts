// Metadata shared by routing objects: the apex object of a router (VirtualService, HTTPRoute,
// RouteTable, ...) carries `spec.service.apex` labels and annotations, as Flagger writes them.
import type { ApiObjectMetadata } from 'cdk8s';
import { withoutForeignKeys } from '../ownership.js';
import type { RouteContext } from './router.js';

export function apexMetadata(ctx: RouteContext, name: string, namespaced = true): ApiObjectMetadata {
  const apex = ctx.resolved.service.apex;
  return {
    name,
    ...(namespaced ? { namespace: ctx.namespace } : {}),
    labels: withoutForeignKeys(apex?.labels),
    annotations: withoutForeignKeys(apex?.annotations),
    ...(ctx.ownerReferences.length ? { ownerReferences: ctx.ownerReferences } : {}),
  };
}

/** Metadata of a routing object that is not the apex one (DestinationRules, Upstreams). */
export function ownedMetadata(ctx: RouteContext, name: string): ApiObjectMetadata {
  return {
    name,
    namespace: ctx.namespace,
    ...(ctx.ownerReferences.length ? { ownerReferences: ctx.ownerReferences } : {}),
  };
}
