// The traffic split a routing object carries right now, read from the object as stored: which
// backend gets what share, per route. One reader per kind a router writes (src/synth/routers/);
// kinds that carry no weight (DestinationRule, Gloo Upstream) have none. Pure.

export interface Backend {
  /** The Service, upstream or Kuma service the share goes to, as the object names it. */
  readonly name: string;
  /** Percent of the route's requests. */
  readonly share: number;
}

export interface RouteSplit {
  /** A route that only requests matching headers or cookies take (A/B testing); false for the default route. */
  readonly matched: boolean;
  readonly backends: readonly Backend[];
}

interface RoutingObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { annotations?: Record<string, string> };
  spec?: unknown;
}

type Json = Record<string, any>;

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** Relative weights (SMI, Kuma, Gloo, Gloo Mesh, Gateway API, Traefik, APISIX, Skipper) as percentages of their sum. */
function shares(entries: readonly { name: string; weight: number }[]): Backend[] {
  const sum = entries.reduce((s, e) => s + Math.max(0, e.weight), 0);
  return entries.map((e) => ({ name: e.name, share: sum > 0 ? Math.round((Math.max(0, e.weight) / sum) * 1000) / 10 : 0 }));
}

const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : []);

/** The routes of `object` with their backends' shares; undefined for a kind that carries no weights. */
export function routeSplits(object: RoutingObject): RouteSplit[] | undefined {
  const group = (object.apiVersion ?? '').split('/')[0];
  const spec = (object.spec ?? {}) as Json;
  switch (`${object.kind}.${group}`) {
    case 'VirtualService.networking.istio.io':
      // Istio's weights are percentages; a lone destination without one takes everything.
      return list(spec.http).map((h) => {
        const route = list(h.route);
        return {
          matched: list(h.match).length > 0,
          backends: route.map((r) => ({ name: String(r.destination?.host ?? ''), share: num(r.weight) ?? (route.length === 1 ? 100 : 0) })),
        };
      });
    case 'TrafficSplit.split.smi-spec.io':
      // v1alpha1 writes weights as quantities ("80"), later versions as integers.
      return [{ matched: false, backends: shares(list(spec.backends).map((b) => ({ name: String(b.service ?? ''), weight: num(b.weight) ?? 0 }))) }];
    case 'TrafficRoute.kuma.io':
      return [
        {
          matched: false,
          backends: shares(
            list(spec.conf?.split).map((s) => ({ name: String(s.destination?.['kuma.io/service'] ?? '').split('_')[0], weight: num(s.weight) ?? 0 })),
          ),
        },
      ];
    case 'RouteTable.gateway.solo.io':
      return list(spec.routes).map((r) => {
        const single = r.routeAction?.single?.upstream?.name;
        const multi = list(r.routeAction?.multi?.destinations).map((d) => ({ name: String(d.destination?.upstream?.name ?? ''), weight: num(d.weight) ?? 0 }));
        return {
          matched: list(r.matchers).some((m) => list(m.headers).length > 0 || list(m.queryParameters).length > 0),
          backends: single ? [{ name: String(single), share: 100 }] : shares(multi),
        };
      });
    case 'RouteTable.networking.gloo.solo.io':
      // Gloo Mesh: a lone destination takes everything; among several, a missing weight is 0.
      return list(spec.http)
        .filter((h) => h.forwardTo)
        .map((h) => {
          const destinations = list(h.forwardTo.destinations);
          return {
            matched: list(h.matchers).length > 0,
            backends:
              destinations.length === 1
                ? [{ name: String(destinations[0].ref?.name ?? ''), share: 100 }]
                : shares(destinations.map((d) => ({ name: String(d.ref?.name ?? ''), weight: num(d.weight) ?? 0 }))),
          };
        });
    case 'HTTPRoute.gateway.networking.k8s.io':
      // A backendRef without a weight weighs 1, as the Gateway API says.
      return list(spec.rules).map((rule) => ({
        matched: list(rule.matches).some((m) => list(m.headers).length > 0 || list(m.queryParams).length > 0),
        backends: shares(list(rule.backendRefs).map((b) => ({ name: String(b.name ?? ''), weight: num(b.weight) ?? 1 }))),
      }));
    case 'HTTPProxy.projectcontour.io':
      return list(spec.routes).map((r) => ({
        matched: list(r.conditions).some((c) => c.header !== undefined),
        backends: shares(list(r.services).map((s) => ({ name: String(s.name ?? ''), weight: num(s.weight) ?? 0 }))),
      }));
    case 'TraefikService.traefik.io':
      return [{ matched: false, backends: shares(list(spec.weighted?.services).map((s) => ({ name: String(s.name ?? ''), weight: num(s.weight) ?? 1 }))) }];
    case 'ApisixRoute.apisix.apache.org':
      return list(spec.http).map((h) => ({
        matched: false,
        backends: shares(list(h.backends).map((b) => ({ name: String(b.serviceName ?? ''), weight: num(b.weight) ?? 100 }))),
      }));
    case 'Ingress.networking.k8s.io':
      return ingressSplits(object.metadata?.annotations ?? {}, spec);
    default:
      return undefined;
  }
}

/**
 * An Ingress is NGINX's canary Ingress (`<prefix>/canary: "true"` and `<prefix>/canary-weight`,
 * whatever the operator's annotation prefix) or Skipper's (`zalando.org/backend-weights`).
 */
function ingressSplits(annotations: Record<string, string>, spec: Json): RouteSplit[] | undefined {
  const skipper = annotations['zalando.org/backend-weights'];
  if (skipper !== undefined) {
    let weights: unknown;
    try {
      weights = JSON.parse(skipper);
    } catch {
      return [];
    }
    if (typeof weights !== 'object' || weights === null) return [];
    return [{ matched: false, backends: shares(Object.entries(weights).map(([name, w]) => ({ name, weight: num(w) ?? 0 }))) }];
  }
  const key = Object.keys(annotations).find((k) => k.endsWith('/canary') && annotations[k] === 'true');
  if (!key) return undefined;
  const at = (suffix: string) => annotations[`${key}-${suffix}`];
  const service = String(
    list(spec.rules)
      .flatMap((r) => list(r.http?.paths))
      .map((p) => p.backend?.service?.name)[0] ?? '',
  );
  // A/B: the requests the header or cookie picks all go to the canary; the rest stay with the
  // Ingress this one is the canary of.
  if ([at('by-header'), at('by-cookie')].some((v) => v !== undefined)) return [{ matched: true, backends: [{ name: service, share: 100 }] }];
  return [{ matched: false, backends: [{ name: service, share: Math.max(0, Math.min(100, num(at('weight')) ?? 0)) }] }];
}

/** "podinfo-primary 80%, podinfo-canary 20%", matched routes first and named so. */
export function splitText(splits: readonly RouteSplit[]): string {
  const parts = splits.map((s) => `${s.matched ? 'matched requests: ' : ''}${s.backends.map((b) => `${b.name} ${b.share}%`).join(', ')}`);
  return parts.filter((p) => p !== '').join('; ');
}
