// Contour HTTPProxy `<apex>` (included by the user's root HTTPProxy): one route split between the
// primary and canary Services, served by the Contour of the operator's ingress class when it has one. Each service sets `l5d-dst-override` so that a Linkerd sidecar behind
// Contour sends the request to that Service and not back through the apex.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  HttpProxy,
  type HttpProxySpecRoutes,
  type HttpProxySpecRoutesConditions,
  type HttpProxySpecRoutesServices,
} from '../../imports/contour-httpproxy-projectcontour.io.js';
import { fail } from '../errors.js';
import { apexMetadata } from './route-metadata.js';
import type { RouteContext, Router } from './router.js';

export const contourRouter: Router = {
  provider: 'contour',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    const { names, weights } = ctx;
    const prefix = { prefix: ctx.resolved.service.match?.[0]?.uri?.prefix ?? '/' };
    const route = (conditions: HttpProxySpecRoutesConditions[], primary: number, canary: number): HttpProxySpecRoutes => ({
      conditions,
      services: [service(ctx, names.primary, primary), service(ctx, names.canary, canary)],
      ...policiesOf(ctx),
    });
    const routes =
      ctx.resolved.strategy.kind === 'ab-testing'
        ? [route([prefix, ...headerConditions(scope, ctx)], weights.primary, weights.canary), route([prefix], 100, 0)]
        : [route([prefix], weights.primary, weights.canary)];
    // Flagger's -ingress-class: the Contour instance that serves this HTTPProxy (Contour 1.18+).
    const ingressClassName = ctx.ingressClass ? { ingressClassName: ctx.ingressClass } : {};
    return [new HttpProxy(scope, `HTTPProxy-${names.apex}`, { metadata: apexMetadata(ctx, names.apex), spec: { ...ingressClassName, routes } })];
  },
};

function service(ctx: RouteContext, name: string, weight: number): HttpProxySpecRoutesServices {
  const port = ctx.resolved.service.port;
  return {
    name,
    port,
    // Flagger's weight is `omitempty`: a service at 0 has none (with another's set, Contour gives it 0).
    ...(weight > 0 ? { weight } : {}),
    requestHeadersPolicy: { set: [{ name: 'l5d-dst-override', value: `${name}.${ctx.namespace}.svc.cluster.local:${port}` }] },
  };
}

function policiesOf(ctx: RouteContext): Partial<HttpProxySpecRoutes> {
  const { timeout, retries } = ctx.resolved.service;
  return {
    ...(timeout ? { timeoutPolicy: { response: timeout, idle: '5m' } } : {}),
    ...(retries
      ? {
          retryPolicy: {
            ...(retries.attempts !== undefined ? { count: retries.attempts } : {}),
            ...(retries.perTryTimeout ? { perTryTimeout: retries.perTryTimeout } : {}),
          },
        }
      : {}),
  };
}

/** A/B: one header condition per analysis header; Contour has no prefix or suffix match, only contains. */
function headerConditions(scope: Construct, ctx: RouteContext): HttpProxySpecRoutesConditions[] {
  return ctx.resolved.match.flatMap((one, i) =>
    Object.entries(one.headers ?? {}).map(([name, m]) => {
      if (m.exact !== undefined) return { header: { name, exact: m.exact } };
      if (m.regex !== undefined) return { header: { name, regex: m.regex } };
      const contains = m.prefix ?? m.suffix;
      if (contains !== undefined) return { header: { name, contains } };
      return fail(scope, `spec.analysis.match[${i}].headers.${name}`, 'needs exact, prefix, suffix or regex');
    }),
  );
}
