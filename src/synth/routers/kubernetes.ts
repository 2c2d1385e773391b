// The kubernetes provider has no router: there is no mesh to split traffic, so Blue/Green switches
// the apex Service between the primary's and the canary's pods. No routing objects are made.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { fail } from '../errors.js';
import type { PodSet } from '../services.js';
import type { RouteContext, Router } from './router.js';

export const kubernetesRouter: Router = {
  provider: 'kubernetes',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    if (ctx.weights.canary !== 0 && ctx.weights.canary !== 100) {
      fail(scope, 'weights.canary', `provider kubernetes switches whole Services (Blue/Green): the canary weight must be 0 or 100, got ${ctx.weights.canary}`);
    }
    return [];
  },
  apexSelects(ctx: RouteContext): PodSet {
    return ctx.weights.canary === 100 ? 'canary' : 'primary';
  },
};
