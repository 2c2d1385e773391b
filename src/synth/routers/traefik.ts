// Traefik TraefikService `<apex>` (traefik.io/v1alpha1), which the user's IngressRoute routes to:
// a weighted round robin over the primary and canary Services. As Flagger writes it, the canary is
// listed only while it has a weight, and a weight of 0 is left out (Traefik then counts it as 1).
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  TraefikService,
  TraefikServiceSpecWeightedServicesPort,
  type TraefikServiceSpecWeightedServices,
} from '../../imports/traefik-traefikservice-traefik.io.js';
import { apexMetadata } from './route-metadata.js';
import type { RouteContext, Router } from './router.js';

export const traefikRouter: Router = {
  provider: 'traefik',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    const { names, weights } = ctx;
    const service = (name: string, weight: number): TraefikServiceSpecWeightedServices => ({
      name,
      namespace: ctx.namespace,
      port: TraefikServiceSpecWeightedServicesPort.fromNumber(ctx.resolved.service.port),
      ...(weight > 0 ? { weight } : {}),
    });
    const services = [service(names.primary, weights.primary), ...(weights.canary > 0 ? [service(names.canary, weights.canary)] : [])];
    return [new TraefikService(scope, `TraefikService-${names.apex}`, { metadata: apexMetadata(ctx, names.apex), spec: { weighted: { services } } })];
  },
};
