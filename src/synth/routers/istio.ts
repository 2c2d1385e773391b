// Istio: DestinationRules `<apex>-canary` and `<apex>-primary` carrying `service.trafficPolicy`, and
// the VirtualService `<apex>` whose weighted route splits traffic between them. A/B testing puts
// the matched traffic on a first route and everything else on a primary-only route; mirroring
// shadows the first route to the canary.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { HTTPMatchRequest, StringMatch } from '../../api/types.js';
import { DestinationRule } from '../../imports/istio-destinationrule-networking.istio.io.js';
import {
  VirtualService,
  type VirtualServiceSpecHttp,
  type VirtualServiceSpecHttpMatch,
  type VirtualServiceSpecHttpRoute,
  type VirtualServiceSpecTcp,
} from '../../imports/istio-virtualservice-networking.istio.io.js';
import { fail } from '../errors.js';
import { mergeMatches } from './http-match.js';
import { apexMetadata, ownedMetadata } from './route-metadata.js';
import {
  COOKIE_HEADER,
  cookieRegex,
  expiredCookie,
  PRIMARY_STICKY_ROUTE_NAME,
  SET_COOKIE_HEADER,
  setCookie,
  STICKY_ROUTE_NAME,
  stickyStateOf,
  type StickyState,
} from './session-affinity.js';
import type { RouteContext, Router } from './router.js';

const MESH_GATEWAY = 'mesh';

export const istioRouter: Router = {
  provider: 'istio',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    const { names, resolved } = ctx;
    const destinationRule = (host: string) =>
      new DestinationRule(scope, `DestinationRule-${host}`, {
        metadata: ownedMetadata(ctx, host),
        spec: { host, ...(resolved.service.trafficPolicy ? { trafficPolicy: resolved.service.trafficPolicy } : {}) },
      });
    return [
      destinationRule(names.canary),
      destinationRule(names.primary),
      new VirtualService(scope, `VirtualService-${names.apex}`, {
        metadata: apexMetadata(ctx, names.apex),
        spec: virtualServiceSpec(scope, ctx),
      }),
    ];
  },
};

function virtualServiceSpec(scope: Construct, ctx: RouteContext) {
  const { service } = ctx.resolved;
  if (service.delegation && (service.hosts?.length || service.gateways?.length)) {
    fail(
      scope,
      service.hosts?.length ? 'spec.service.hosts' : 'spec.service.gateways',
      'must be empty when spec.service.delegation is true: a delegate VirtualService takes its hosts and gateways from its parent',
    );
  }
  // A delegate is reached through its parent: it must name neither hosts nor gateways.
  const addressing = service.delegation
    ? {}
    : {
        // The apex host makes the route apply to in-mesh calls of the Service; "*" covers it already.
        hosts: hostsOf(service.hosts ?? [], ctx.names.apex),
        gateways: service.gateways?.length ? [...service.gateways] : [MESH_GATEWAY],
      };
  if (service.appProtocol === 'tcp') return { ...addressing, tcp: [tcpRoute(ctx)] };
  return { ...addressing, http: httpRoutes(scope, ctx) };
}

function httpRoutes(scope: Construct, ctx: RouteContext): VirtualServiceSpecHttp[] {
  const { resolved, weights, names } = ctx;
  const serviceMatch = resolved.service.match ?? [];
  const weighted: VirtualServiceSpecHttp = {
    ...routeOptions(ctx),
    ...(serviceMatch.length ? { match: serviceMatch.map((m, i) => istioMatch(scope, m, `spec.service.match[${i}]`)) } : {}),
    route: [destination(ctx, names.primary, weights.primary), destination(ctx, names.canary, weights.canary)],
    ...(weights.mirror ? mirrorOf(ctx) : {}),
  };
  if (resolved.strategy.kind !== 'ab-testing') {
    const sticky = stickyStateOf(resolved, ctx.canary.status, weights.canary);
    return sticky ? stickyRoutes(scope, ctx, weighted, sticky) : [weighted];
  }
  const abMatch = mergeMatches(resolved.match, serviceMatch).map((m, i) => istioMatch(scope, m, `spec.analysis.match[${i}]`));
  return [
    { ...weighted, match: abMatch },
    { ...routeOptions(ctx), ...(weighted.match ? { match: weighted.match } : {}), route: [destination(ctx, names.primary, 100)] },
  ];
}

/**
 * Session affinity, as Flagger routes it. While the canary takes traffic, a route named
 * `sticky-route` sends requests carrying the canary's cookie to the canary, and the weighted
 * route's canary destination hands that cookie out (the primary's too, with `primaryCookieName`,
 * pinning its users by a second sticky route). Back at the primary, the sticky route matches the
 * previous run's cookie and tells the browser to drop it.
 */
function stickyRoutes(scope: Construct, ctx: RouteContext, weighted: VirtualServiceSpecHttp, sticky: StickyState): VirtualServiceSpecHttp[] {
  const { names } = ctx;
  const serviceMatch = ctx.resolved.service.match ?? [];
  const cookieMatch = (cookie: string) =>
    mergeMatches([{ headers: { [COOKIE_HEADER]: { regex: cookieRegex(cookie) } } }], serviceMatch).map((m, i) =>
      istioMatch(scope, m, `spec.service.match[${i}]`),
    );
  if (sticky.canaryCookie) {
    const handsOut = (host: string, cookie: string | undefined): VirtualServiceSpecHttpRoute => {
      const route = destination(ctx, host, host === names.canary ? ctx.weights.canary : ctx.weights.primary);
      return cookie ? { ...route, headers: { response: { add: { [SET_COOKIE_HEADER]: setCookie(sticky.affinity, cookie) } } } } : route;
    };
    // A pinned route sends all of a user's traffic to one side: nothing to shadow there.
    const { mirror: _mirror, mirrorPercentage: _percentage, ...unmirrored } = weighted;
    const pinned = (name: string, cookie: string, canaryWeight: number): VirtualServiceSpecHttp => ({
      ...unmirrored,
      name,
      match: cookieMatch(cookie),
      route: [destination(ctx, names.primary, 100 - canaryWeight), destination(ctx, names.canary, canaryWeight)],
    });
    return [
      pinned(STICKY_ROUTE_NAME, sticky.canaryCookie, 100),
      ...(sticky.primaryCookie ? [pinned(PRIMARY_STICKY_ROUTE_NAME, sticky.primaryCookie, 0)] : []),
      { ...weighted, route: [handsOut(names.primary, sticky.primaryCookie), handsOut(names.canary, sticky.canaryCookie)] },
    ];
  }
  if (!sticky.previousCookie) return [{ ...weighted, name: STICKY_ROUTE_NAME }, weighted];
  const headers = weighted.headers ?? {};
  const expiring: VirtualServiceSpecHttp = {
    ...weighted,
    name: STICKY_ROUTE_NAME,
    match: cookieMatch(sticky.previousCookie),
    headers: { ...headers, response: { ...headers.response, add: { ...headers.response?.add, [SET_COOKIE_HEADER]: expiredCookie(sticky.previousCookie) } } },
  };
  return [expiring, weighted];
}

/** What every http route repeats from `spec.service`. */
function routeOptions(ctx: RouteContext): VirtualServiceSpecHttp {
  const { service } = ctx.resolved;
  return {
    ...(service.rewrite && (service.rewrite.uri || service.rewrite.authority)
      ? {
          rewrite: {
            ...(service.rewrite.uri ? { uri: service.rewrite.uri } : {}),
            ...(service.rewrite.authority ? { authority: service.rewrite.authority } : {}),
          },
        }
      : {}),
    ...(service.timeout ? { timeout: service.timeout } : {}),
    ...(service.retries ? { retries: { ...service.retries } } : {}),
    ...(service.corsPolicy ? { corsPolicy: service.corsPolicy } : {}),
    ...(service.headers ? { headers: service.headers as VirtualServiceSpecHttp['headers'] } : {}),
  };
}

function mirrorOf(ctx: RouteContext): Partial<VirtualServiceSpecHttp> {
  const percent = ctx.resolved.mirrorWeight;
  return {
    mirror: { host: ctx.names.canary },
    ...(percent && percent > 0 ? { mirrorPercentage: { value: percent } } : {}),
  };
}

/**
 * With `portDiscovery` the Services have several ports and Istio cannot guess which one a route
 * means, so the destination names the port.
 */
function destination(ctx: RouteContext, host: string, weight: number): VirtualServiceSpecHttpRoute {
  const port = ctx.resolved.service.portDiscovery ? { port: { number: ctx.resolved.service.port } } : {};
  return { destination: { host, ...port }, weight };
}

function tcpRoute(ctx: RouteContext): VirtualServiceSpecTcp {
  const { names, weights, resolved } = ctx;
  const port = { number: resolved.service.port };
  return {
    match: [{ port: resolved.service.port }],
    route: [
      { destination: { host: names.primary, port }, weight: weights.primary },
      { destination: { host: names.canary, port }, weight: weights.canary },
    ],
  };
}

/** The Canary API's match written as Istio's; Istio has no suffix match. */
function istioMatch(scope: Construct, m: HTTPMatchRequest, path: string): VirtualServiceSpecHttpMatch {
  const string = (s: StringMatch | undefined, field: string) => {
    if (!s) return undefined;
    if (s.suffix !== undefined) fail(scope, `${path}.${field}.suffix`, 'Istio has no suffix match; use regex');
    return {
      ...(s.exact !== undefined ? { exact: s.exact } : {}),
      ...(s.prefix !== undefined ? { prefix: s.prefix } : {}),
      ...(s.regex !== undefined ? { regex: s.regex } : {}),
    };
  };
  const stringMap = (map: Record<string, StringMatch> | undefined, field: string) =>
    map ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k, string(v, `${field}.${k}`)!])) : undefined;
  const out: VirtualServiceSpecHttpMatch = {
    name: m.name,
    uri: string(m.uri, 'uri'),
    scheme: string(m.scheme, 'scheme'),
    method: string(m.method, 'method'),
    authority: string(m.authority, 'authority'),
    headers: stringMap(m.headers, 'headers'),
    withoutHeaders: stringMap(m.withoutHeaders as Record<string, StringMatch> | undefined, 'withoutHeaders'),
    queryParams: stringMap(m.queryParams, 'queryParams'),
    sourceLabels: m.sourceLabels,
    sourceNamespace: typeof m.sourceNamespace === 'string' ? m.sourceNamespace : undefined,
    gateways: m.gateways,
    port: m.port,
    ignoreUriCase: m.ignoreUriCase,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as VirtualServiceSpecHttpMatch;
}

function hostsOf(hosts: readonly string[], apex: string): string[] {
  return hosts.includes(apex) || hosts.includes('*') ? [...hosts] : [...hosts, apex];
}
