// Apache APISIX ApisixRoute: each HTTP rule is an APISIX route named `<ns>_<ApisixRoute>_<rule>`
// with weighted backends (weight unset = 100, APISIX's default). Of rules with the same hosts, paths
// and methods only the highest `priority` gets the traffic, as APISIX picks it, so the canary route
// Flagger copies at priority 10000 takes over from the user's route. Recorded at APISIX under that
// route name. Matches beyond hosts/paths/methods, plugins and upstreams are not simulated.
import type { Backend, KObj, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num } from './util.js';

const AR = { group: 'apisix.apache.org', version: 'v2', plural: 'apisixroutes', kind: 'ApisixRoute', namespaced: true };

interface Candidate {
  route: KObj;
  rule: any;
  priority: number;
  signature: string;
}

const sorted = (v: unknown) => arr(v).map(String).sort().join(',');

export const apisix: RouteObserver = {
  name: 'apisix',
  resources: [AR],
  routes({ objects, rps }) {
    const best = new Map<string, Candidate>();
    for (const route of objects.get(resourceKey(AR)) ?? []) {
      for (const rule of arr(route.spec?.http)) {
        if (!rule?.name) continue;
        const m = rule.match ?? {};
        const signature = `${sorted(m.hosts)}|${sorted(m.paths)}|${sorted(m.methods)}`;
        const candidate = { route, rule, priority: num(rule.priority) ?? 0, signature };
        const held = best.get(signature);
        if (!held || candidate.priority > held.priority) best.set(signature, candidate);
      }
    }
    const out: SimRoute[] = [];
    for (const { route, rule } of best.values()) {
      const namespace = ns(route);
      const apisixRoute = `${namespace}_${route.metadata.name}_${rule.name}`;
      const backends: Backend[] = arr(rule.backends)
        .filter((b) => b?.serviceName)
        .map((b) => ({
          service: String(b.serviceName),
          namespace,
          port: num(b.servicePort),
          weight: num(b.weight) ?? 100,
          labels: { apisix_route: apisixRoute },
        }));
      if (backends.length === 0) continue;
      out.push({
        key: `ApisixRoute/${namespace}/${route.metadata.name}/${rule.name}`,
        kind: 'ApisixRoute',
        namespace,
        name: route.metadata.name,
        families: ['apisix'],
        selection: 'first',
        rules: [{ matches: [], backends }],
        rps,
        host: arr(rule.match?.hosts)[0],
      });
    }
    return out;
  },
};
