// Gloo Edge: Upstreams `<ns>-<apex>-primaryupstream-<port>` and `...-canaryupstream-<port>` for the
// primary and canary Services (made here, so Gloo's discovery may be off), and the RouteTable
// `<apex>` that the user's VirtualService delegates to, splitting between them. With `upstreamRef`
// the Upstreams take their TLS, circuit-breaker and connection settings from the referenced one.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { HTTPMatchRequest } from '../../api/types.js';
import { RouteTable, type RouteTableSpecRoutes, type RouteTableSpecRoutesMatchers } from '../../imports/gloo-routetable-gateway.solo.io.js';
import { Upstream, type UpstreamProps } from '../../imports/gloo-upstream-gloo.solo.io.js';
import { fail } from '../errors.js';
import { isJsonObject, type JsonObject } from '../kube-json.js';
import { includedLabels } from '../ownership.js';
import { apexMetadata, ownedMetadata } from './route-metadata.js';
import { podSelectorOf, type RouteContext, type Router } from './router.js';

/** The settings of an `upstreamRef` Upstream that Flagger carries over to the generated ones. */
export const COPIED_UPSTREAM_FIELDS = [
  'sslConfig',
  'circuitBreakers',
  'connectionConfig',
  'loadBalancerConfig',
  'useHttp2',
  'initialStreamWindowSize',
  'initialConnectionWindowSize',
  'httpProxyHostname',
] as const;

export const glooRouter: Router = {
  provider: 'gloo',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    const { names, namespace, weights } = ctx;
    const selector = podSelectorOf(scope, ctx);
    const port = ctx.resolved.service.port;
    const upstreamName = (pods: 'primary' | 'canary') => `${namespace}-${names.apex}-${pods}upstream-${port}`;
    const config = upstreamConfigOf(scope, ctx);
    const upstream = (pods: 'primary' | 'canary') =>
      new ConfiguredUpstream(
        scope,
        `Upstream-${upstreamName(pods)}`,
        {
          metadata: { ...ownedMetadata(ctx, upstreamName(pods)), ...labelsOf(config) },
          spec: {
            kube: {
              serviceName: pods === 'primary' ? names.primary : names.canary,
              serviceNamespace: namespace,
              servicePort: port,
              selector: { [selector.key]: pods === 'primary' ? selector.primaryValue : selector.value },
            },
          },
        },
        settingsOf(config),
      );
    const destinations = (primary: number, canary: number) => ({
      multi: {
        destinations: [
          { destination: { upstream: { name: upstreamName('primary'), namespace } }, ...weightOf(primary) },
          { destination: { upstream: { name: upstreamName('canary'), namespace } }, ...weightOf(canary) },
        ],
      },
    });
    const weighted: RouteTableSpecRoutes = { routeAction: destinations(weights.primary, weights.canary) };
    const routes: RouteTableSpecRoutes[] =
      ctx.resolved.strategy.kind === 'ab-testing'
        ? [
            { matchers: matchersOf(scope, ctx.resolved.match), ...weighted },
            // Traffic the A/B headers do not pick stays on the primary instead of finding no route.
            { routeAction: destinations(100, 0) },
          ]
        : [weighted];
    return [
      upstream('primary'),
      upstream('canary'),
      new RouteTable(scope, `RouteTable-${names.apex}`, { metadata: apexMetadata(ctx, names.apex), spec: { routes } }),
    ];
  },
};

/** Flagger's weight is `omitempty`: a destination at 0 has none (Gloo reads that as 0). */
const weightOf = (weight: number) => (weight > 0 ? { weight } : {});

/** The spec of the `upstreamRef` Upstream, checked against the reference. */
function upstreamConfigOf(scope: Construct, ctx: RouteContext): JsonObject | undefined {
  const ref = ctx.canary.spec.upstreamRef;
  if (!ref) return undefined;
  const given = ctx.referenced.upstream;
  const refNamespace = ref.namespace ?? ctx.namespace;
  if (!given) fail(scope, 'spec.upstreamRef', `Upstream ${refNamespace}/${ref.name} was not given; it is needed to copy its settings`);
  if (given.metadata.name !== ref.name || (given.metadata.namespace ?? ctx.namespace) !== refNamespace) {
    fail(
      scope,
      'spec.upstreamRef',
      `names Upstream ${refNamespace}/${ref.name} but ${given.metadata.namespace ?? ctx.namespace}/${given.metadata.name} was given`,
    );
  }
  return isJsonObject(given.spec) ? given.spec : {};
}

function settingsOf(config: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  for (const field of COPIED_UPSTREAM_FIELDS) {
    if (config?.[field] !== undefined) out[field] = structuredClone(config[field]);
  }
  return out;
}

/** Gloo keeps an Upstream's labels in `spec.labels`; Flagger puts them on the generated objects. */
function labelsOf(config: JsonObject | undefined): { labels?: Record<string, string> } {
  const labels = includedLabels(config?.labels, undefined);
  return Object.keys(labels).length ? { labels } : {};
}

/** A/B: the analysis header matches (exact or regex) and methods, on one matcher. */
function matchersOf(scope: Construct, match: readonly HTTPMatchRequest[]): RouteTableSpecRoutesMatchers[] {
  const headers = match.flatMap((one, i) =>
    Object.entries(one.headers ?? {}).map(([name, m]) => {
      if (m.regex !== undefined) return { name, value: m.regex, regex: true };
      if (m.exact !== undefined) return { name, value: m.exact };
      return fail(scope, `spec.analysis.match[${i}].headers.${name}`, 'Gloo matches a header by exact or regex only');
    }),
  );
  const methods = match.flatMap((m) => (m.method?.exact ? [m.method.exact] : []));
  return [{ ...(headers.length ? { headers } : {}), ...(methods.length ? { methods } : {}) }];
}

/**
 * An Upstream that also writes the copied settings: the Upstream CRD keeps them
 * (x-kubernetes-preserve-unknown-fields) but the generated class only knows `kube`.
 */
class ConfiguredUpstream extends Upstream {
  constructor(
    scope: Construct,
    id: string,
    props: UpstreamProps,
    private readonly settings: JsonObject,
  ) {
    super(scope, id, props);
  }

  override toJson(): any {
    const json = super.toJson();
    return Object.keys(this.settings).length ? { ...json, spec: { ...this.settings, ...json.spec } } : json;
  }
}
