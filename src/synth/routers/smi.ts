// SMI TrafficSplit `<apex>` (Linkerd, OSM, any SMI mesh): the apex host split between the canary
// and primary Services. Linkerd reads v1alpha1, OSM v1alpha2.
// v1alpha1 weights are resource.Quantity values: Linkerd's CRD (linkerd-smi) keeps a number or a
// string (int-or-string) and its adaptor parses either. Flagger writes a Quantity, which Go
// serializes as a string ("100"), so Sluice writes strings too: a TrafficSplit compared or diffed
// beside Flagger's (and a takeover of Flagger's objects) sees the same value, not 100 against "100".
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { TrafficSplit, TrafficSplitSpecBackendsWeight, TrafficSplitV1Alpha2, TrafficSplitV1Alpha3 } from '../../imports/smi-trafficsplit-split.smi-spec.io.js';
import { ownedMetadata } from './route-metadata.js';
import type { RouteContext, Router } from './router.js';

export type SmiVersion = 'v1alpha1' | 'v1alpha2' | 'v1alpha3';

export function smiRouter(provider: string, version: SmiVersion): Router {
  return {
    provider,
    routes(scope: Construct, ctx: RouteContext): ApiObject[] {
      const { names, weights, resolved } = ctx;
      const metadata = ownedMetadata(ctx, names.apex);
      // The root service is the one clients call: the first of `service.hosts`, else the apex.
      const service = resolved.service.hosts?.[0] ?? names.apex;
      const id = `TrafficSplit-${names.apex}`;
      if (version === 'v1alpha1') {
        return [
          new TrafficSplit(scope, id, {
            metadata,
            spec: {
              service,
              backends: [
                { service: names.canary, weight: TrafficSplitSpecBackendsWeight.fromString(String(weights.canary)) },
                { service: names.primary, weight: TrafficSplitSpecBackendsWeight.fromString(String(weights.primary)) },
              ],
            },
          }),
        ];
      }
      const spec = {
        service,
        backends: [
          { service: names.canary, weight: weights.canary },
          { service: names.primary, weight: weights.primary },
        ],
      };
      const Split = version === 'v1alpha2' ? TrafficSplitV1Alpha2 : TrafficSplitV1Alpha3;
      return [new Split(scope, id, { metadata, spec })];
    },
  };
}
