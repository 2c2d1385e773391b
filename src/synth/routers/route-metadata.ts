// Metadata shared by routing objects: the apex object of a router (VirtualService, HTTPRoute,
// RouteTable, ...) carries `spec.service.apex` labels and annotations, as Flagger writes them, and
// every routing object carries Flagger's Flux opt-out annotations.
import type { ApiObjectMetadata } from 'cdk8s';
import { FLUX_OPT_OUT_ANNOTATIONS, withoutForeignKeys } from '../ownership.js';
import type { RouteContext } from './router.js';

export function apexMetadata(ctx: RouteContext, name: string, namespaced = true): ApiObjectMetadata {
  const apex = ctx.resolved.service.apex;
  return {
    name,
    ...(namespaced ? { namespace: ctx.namespace } : {}),
    labels: withoutForeignKeys(apex?.labels),
    annotations: withFluxOptOut(apex?.annotations),
    ...(ctx.ownerReferences.length ? { ownerReferences: ctx.ownerReferences } : {}),
  };
}

/** `annotations` without foreign keys, plus the Flux opt-out ones. */
export function withFluxOptOut(annotations: Record<string, string> | undefined): Record<string, string> {
  return { ...withoutForeignKeys(annotations), ...FLUX_OPT_OUT_ANNOTATIONS };
}

/** Metadata of a routing object that is not the apex one (DestinationRules, Upstreams). */
export function ownedMetadata(ctx: RouteContext, name: string): ApiObjectMetadata {
  return {
    name,
    namespace: ctx.namespace,
    annotations: withFluxOptOut(undefined),
    ...(ctx.ownerReferences.length ? { ownerReferences: ctx.ownerReferences } : {}),
  };
}
