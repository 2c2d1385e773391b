// Gateway API HTTPRoute `<apex>` (v1 or v1beta1), attached to `service.gatewayRefs`: a weighted rule
// between the primary and canary Services. A/B testing adds the analysis headers to the first rule
// and routes everything else to the primary by a second rule; mirroring adds a RequestMirror filter.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { HTTPMatchRequest, StringMatch } from '../../api/types.js';
import {
  HttpRoute,
  HttpRouteV1Beta1,
  type HttpRouteSpec,
  type HttpRouteSpecRules,
  type HttpRouteSpecRulesBackendRefs,
  type HttpRouteSpecRulesBackendRefsFilters,
  type HttpRouteSpecRulesFilters,
  type HttpRouteSpecRulesMatches,
} from '../../imports/gatewayapi-httproute-gateway.networking.k8s.io.js';
import { fail } from '../errors.js';
import { isJsonObject, type JsonObject } from '../kube-json.js';
import { apexMetadata } from './route-metadata.js';
import { COOKIE_HEADER, cookieRegex, expiredCookie, SET_COOKIE_HEADER, setCookie, stickyStateOf, type StickyState } from './session-affinity.js';
import type { RouteContext, Router } from './router.js';

export type GatewayApiVersion = 'v1' | 'v1beta1';

const DEFAULT_MATCH: HttpRouteSpecRulesMatches = { path: { type: 'PathPrefix', value: '/' } };

export function gatewayApiRouter(provider: string, version: GatewayApiVersion): Router {
  return {
    provider,
    routes(scope: Construct, ctx: RouteContext): ApiObject[] {
      const { service } = ctx.resolved;
      if (!service.gatewayRefs?.length) {
        fail(scope, 'spec.service.gatewayRefs', `is required when provider is ${provider} (the Gateways the HTTPRoute attaches to)`);
      }
      const spec = httpRouteSpec(scope, ctx);
      const Route = version === 'v1' ? HttpRoute : HttpRouteV1Beta1;
      return [new Route(scope, `HTTPRoute-${ctx.names.apex}`, { metadata: apexMetadata(ctx, ctx.names.apex), spec })];
    },
  };
}

function httpRouteSpec(scope: Construct, ctx: RouteContext): HttpRouteSpec {
  const { service, strategy, match } = ctx.resolved;
  const { names, weights } = ctx;
  const serviceMatches = (service.match ?? []).map((m, i) => routeMatch(scope, m, `spec.service.match[${i}]`)).filter(notEmpty);
  const matches = serviceMatches.length ? serviceMatches : [DEFAULT_MATCH];
  const filters = filtersOf(ctx);
  const timeouts =
    service.timeout || service.backendTimeout
      ? {
          timeouts: { ...(service.timeout ? { request: service.timeout } : {}), ...(service.backendTimeout ? { backendRequest: service.backendTimeout } : {}) },
        }
      : {};
  const rule = (
    ruleMatches: HttpRouteSpecRulesMatches[],
    backendRefs: HttpRouteSpecRulesBackendRefs[],
    extraFilters: HttpRouteSpecRulesFilters[] = [],
  ): HttpRouteSpecRules => {
    const all = [...filters, ...extraFilters];
    return { matches: ruleMatches, ...(all.length ? { filters: all } : {}), backendRefs, ...timeouts };
  };
  const weighted = [backendRef(ctx, names.primary, weights.primary), backendRef(ctx, names.canary, weights.canary)];
  const mirror = weights.mirror ? [mirrorFilter(ctx)] : [];
  const sticky = stickyStateOf(ctx.resolved, ctx.canary.status, weights.canary);
  const rules =
    strategy.kind === 'ab-testing'
      ? [
          rule(mergeRouteMatches(match.map((m, i) => routeMatch(scope, m, `spec.analysis.match[${i}]`)).filter(notEmpty), matches), weighted, mirror),
          rule(matches, [backendRef(ctx, names.primary, 100)]),
        ]
      : sticky
        ? stickyRules(ctx, sticky, serviceMatches, (ruleMatches, backendRefs, pinned) => rule(ruleMatches, backendRefs, pinned ? [] : mirror))
        : [rule(matches, weighted, mirror)];
  return {
    parentRefs: service.gatewayRefs!.map((ref) => ({ ...ref })),
    ...(service.hosts?.length ? { hostnames: [...service.hosts] } : {}),
    rules,
  };
}

type RuleOf = (matches: HttpRouteSpecRulesMatches[], backendRefs: HttpRouteSpecRulesBackendRefs[], pinned?: boolean) => HttpRouteSpecRules;

/**
 * Session affinity, as Flagger routes it. While the canary takes traffic, a first rule sends
 * requests carrying the canary's cookie to the canary, and the weighted rule's canary backend
 * hands that cookie out (the primary's too, with `primaryCookieName`, pinning its users by a
 * second rule). Back at the primary, the first rule matches the previous run's cookie and tells
 * the browser to drop it.
 */
function stickyRules(ctx: RouteContext, sticky: StickyState, serviceMatches: HttpRouteSpecRulesMatches[], rule: RuleOf): HttpRouteSpecRules[] {
  const { names, weights } = ctx;
  const matches = serviceMatches.length ? serviceMatches : [DEFAULT_MATCH];
  // Without service matches the cookie match stands alone: an empty list would match everything.
  const cookieMatches = (cookie: string) => {
    const byCookie: HttpRouteSpecRulesMatches = { headers: [{ type: 'RegularExpression', name: COOKIE_HEADER, value: cookieRegex(cookie) }] };
    return serviceMatches.length ? mergeRouteMatches([byCookie], serviceMatches) : [byCookie];
  };
  const addsHeader = (value: string): HttpRouteSpecRulesFilters & HttpRouteSpecRulesBackendRefsFilters => ({
    type: 'ResponseHeaderModifier',
    responseHeaderModifier: { add: [{ name: SET_COOKIE_HEADER, value }] },
  });
  if (sticky.canaryCookie) {
    const handsOut = (name: string, weight: number, cookie: string | undefined): HttpRouteSpecRulesBackendRefs => ({
      ...backendRef(ctx, name, weight),
      ...(cookie ? { filters: [addsHeader(setCookie(sticky.affinity, cookie))] } : {}),
    });
    const pinned = (cookie: string, canaryWeight: number) =>
      rule(cookieMatches(cookie), [backendRef(ctx, names.primary, 100 - canaryWeight), backendRef(ctx, names.canary, canaryWeight)], true);
    return [
      pinned(sticky.canaryCookie, 100),
      ...(sticky.primaryCookie ? [pinned(sticky.primaryCookie, 0)] : []),
      rule(matches, [handsOut(names.primary, weights.primary, sticky.primaryCookie), handsOut(names.canary, weights.canary, sticky.canaryCookie)]),
    ];
  }
  const weighted = rule(matches, [backendRef(ctx, names.primary, weights.primary), backendRef(ctx, names.canary, weights.canary)]);
  if (!sticky.previousCookie) return [weighted, weighted];
  const expiring: HttpRouteSpecRules = {
    ...weighted,
    matches: cookieMatches(sticky.previousCookie),
    filters: [...(weighted.filters ?? []), addsHeader(expiredCookie(sticky.previousCookie))],
  };
  return [expiring, weighted];
}

function backendRef(ctx: RouteContext, name: string, weight: number): HttpRouteSpecRulesBackendRefs {
  return { group: '', kind: 'Service', name, port: ctx.resolved.service.port, weight };
}

function mirrorFilter(ctx: RouteContext): HttpRouteSpecRulesFilters {
  const percent = ctx.resolved.mirrorWeight;
  return {
    type: 'RequestMirror',
    requestMirror: {
      backendRef: { group: '', kind: 'Service', name: ctx.names.canary, port: ctx.resolved.service.port },
      ...(percent && percent > 0 ? { percent } : {}),
    },
  };
}

/** Header modifiers, URL rewrite and extra mirrors from `spec.service`, on every rule. */
function filtersOf(ctx: RouteContext): HttpRouteSpecRulesFilters[] {
  const { headers, rewrite, mirror } = ctx.resolved.service;
  const out: HttpRouteSpecRulesFilters[] = [];
  const modifier = (ops: JsonObject) => {
    const pairs = (map: unknown) =>
      isJsonObject(map)
        ? Object.keys(map)
            .sort()
            .map((name) => ({ name, value: String(map[name]) }))
        : [];
    const set = pairs(ops.set);
    const add = pairs(ops.add);
    const remove = Array.isArray(ops.remove) ? ops.remove.map(String) : [];
    return { ...(set.length ? { set } : {}), ...(add.length ? { add } : {}), ...(remove.length ? { remove } : {}) };
  };
  if (isJsonObject(headers?.request)) out.push({ type: 'RequestHeaderModifier', requestHeaderModifier: modifier(headers.request) });
  if (isJsonObject(headers?.response)) out.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: modifier(headers.response) });
  if (rewrite && (rewrite.uri || rewrite.authority)) {
    const fullPath = rewrite.type === 'ReplaceFullPath';
    out.push({
      type: 'URLRewrite',
      urlRewrite: {
        ...(rewrite.authority ? { hostname: rewrite.authority } : {}),
        ...(rewrite.uri
          ? { path: fullPath ? { type: 'ReplaceFullPath', replaceFullPath: rewrite.uri } : { type: 'ReplacePrefixMatch', replacePrefixMatch: rewrite.uri } }
          : {}),
      },
    });
  }
  for (const m of mirror ?? []) {
    if (isJsonObject(m) && isJsonObject(m.backendRef)) out.push({ type: 'RequestMirror', requestMirror: structuredClone(m) as any });
  }
  return out;
}

/** The Canary API's (Istio) match as a Gateway API HTTPRouteMatch; what it cannot express is an error. */
function routeMatch(scope: Construct, m: HTTPMatchRequest, path: string): HttpRouteSpecRulesMatches {
  const out: { -readonly [K in keyof HttpRouteSpecRulesMatches]: HttpRouteSpecRulesMatches[K] } = {};
  if (m.uri) {
    if (m.uri.regex !== undefined) out.path = { type: 'RegularExpression', value: m.uri.regex };
    else if (m.uri.exact !== undefined) out.path = { type: 'Exact', value: m.uri.exact };
    else if (m.uri.prefix !== undefined) out.path = { type: 'PathPrefix', value: m.uri.prefix };
    else fail(scope, `${path}.uri`, 'Gateway API matches a path by exact, prefix or regex only');
  }
  if (m.method) {
    if (m.method.exact === undefined) fail(scope, `${path}.method`, 'Gateway API matches a method exactly only');
    out.method = m.method.exact;
  }
  const valueMatches = (map: Record<string, StringMatch> | undefined, field: string) =>
    Object.entries(map ?? {}).map(([name, v]) => {
      if (v.exact !== undefined) return { type: 'Exact', name, value: v.exact };
      if (v.regex !== undefined) return { type: 'RegularExpression', name, value: v.regex };
      return fail(scope, `${path}.${field}.${name}`, 'Gateway API matches exactly or by regex only');
    });
  const headers = valueMatches(m.headers, 'headers');
  const queryParams = valueMatches(m.queryParams, 'queryParams');
  if (headers.length) out.headers = headers;
  if (queryParams.length) out.queryParams = queryParams;
  return out;
}

/** A/B: each analysis match on each service match, the analysis bringing headers and query parameters. */
function mergeRouteMatches(analysis: HttpRouteSpecRulesMatches[], service: HttpRouteSpecRulesMatches[]): HttpRouteSpecRulesMatches[] {
  if (analysis.length === 0) return service;
  return analysis.flatMap((a) =>
    service.map((s) => ({
      ...s,
      ...(a.headers?.length ? { headers: a.headers } : {}),
      ...(a.queryParams?.length ? { queryParams: a.queryParams } : {}),
    })),
  );
}

function notEmpty(m: HttpRouteSpecRulesMatches): boolean {
  return Object.keys(m).length > 0;
}
