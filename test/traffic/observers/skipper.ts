// Skipper: every path of an Ingress of class skipper is a Skipper route per host and path. Paths with
// the same host and path in one Ingress are one route whose backends split by the
// `zalando.org/backend-weights` annotation (all unset or 0: equal shares). Among the Ingresses
// serving the same host and path, `zalando.org/skipper-predicate` decides as in Skipper: `False()`
// never matches, and the highest `Weight(N)` wins (none = 0; a tie goes to the first by
// namespace/name). Recorded at Skipper under the route id Skipper gives a backend,
// `kube_<ns>__<ingress>__<host>__<path>__<service>` with every non-word character as "_".
// Other predicates and filters are not simulated.
import type { Backend, KObj, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num } from './util.js';

const ING = { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true };

const word = (s: string) => s.replace(/\W/g, '_');
export const skipperRouteId = (namespace: string, ingress: string, host: string, path: string, service: string) =>
  `kube_${word(namespace)}__${word(ingress)}__${word(host)}__${word(path)}__${word(service)}`;

function isSkipper(o: KObj): boolean {
  const cls = o.spec?.ingressClassName ?? o.metadata.annotations?.['kubernetes.io/ingress.class'];
  return cls !== undefined && String(cls).includes('skipper');
}

/** The route's precedence from its predicates: undefined when `False()` disables it. */
function precedence(o: KObj): number | undefined {
  const predicates = String(o.metadata.annotations?.['zalando.org/skipper-predicate'] ?? '')
    .split('&&')
    .map((p) => p.trim());
  if (predicates.includes('False()')) return undefined;
  const weights = predicates
    .map((p) => /^Weight\(\s*([0-9.]+)\s*\)$/.exec(p)?.[1])
    .filter((w): w is string => w !== undefined)
    .map(Number);
  return weights.length ? Math.max(...weights) : 0;
}

function backendWeights(o: KObj): Record<string, number> {
  try {
    const parsed = JSON.parse(o.metadata.annotations?.['zalando.org/backend-weights'] ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

interface Candidate {
  ingress: KObj;
  host: string;
  path: string;
  backends: Backend[];
  precedence: number;
}

/** The routes of one Ingress, one per host and path, its backends weighted by the annotation. */
function candidatesOf(ingress: KObj, precedence: number): Map<string, Candidate> {
  const weights = backendWeights(ingress);
  const byHostPath = new Map<string, Candidate>();
  for (const rule of arr(ingress.spec?.rules)) {
    const host = String(rule?.host ?? '');
    for (const p of arr(rule?.http?.paths)) {
      const svc = p?.backend?.service;
      if (!svc?.name) continue;
      const path = String(p?.path ?? '/');
      const key = `${host}|${path}`;
      const c = byHostPath.get(key) ?? { ingress, host, path, backends: [], precedence };
      const service = String(svc.name);
      c.backends.push({
        service,
        namespace: ns(ingress),
        port: num(svc.port?.number),
        weight: num(weights[service]) ?? 0,
        labels: { skipper_route: skipperRouteId(ns(ingress), ingress.metadata.name, host, path, service) },
      });
      byHostPath.set(key, c);
    }
  }
  return byHostPath;
}

export const skipper: RouteObserver = {
  name: 'skipper',
  resources: [ING],
  routes({ objects, rps }) {
    const best = new Map<string, Candidate>();
    const ingresses = (objects.get(resourceKey(ING)) ?? [])
      .filter(isSkipper)
      .sort((a, b) => `${ns(a)}/${a.metadata.name}`.localeCompare(`${ns(b)}/${b.metadata.name}`));
    for (const ingress of ingresses) {
      const rank = precedence(ingress);
      if (rank === undefined) continue;
      for (const [key, c] of candidatesOf(ingress, rank)) {
        const held = best.get(key);
        if (!held || c.precedence > held.precedence) best.set(key, c);
      }
    }
    return [...best.values()].map(({ ingress, host, path, backends }): SimRoute => ({
      key: `SkipperRoute/${host}${path}`,
      kind: 'Ingress',
      namespace: ns(ingress),
      name: ingress.metadata.name,
      families: ['skipper'],
      selection: 'first',
      rules: [{ matches: [], backends: backends.every((b) => b.weight <= 0) ? backends.map((b) => ({ ...b, weight: 1 })) : backends }],
      rps,
      host: host || undefined,
    }));
  },
};
