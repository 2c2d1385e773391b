// Gloo Mesh: a RouteTable with `hosts` is a root; its routes forward to Services
// (`forwardTo.destinations[].ref`) or delegate to the tables that `delegate.routeTables` names
// (by name, in the named or the root's namespace), whose forwarding routes take its place, in
// order. Gloo Mesh programs Istio's Envoys, so the destination sidecar records the request as
// Istio does. A lone destination takes all traffic; among several, a missing weight is 0 (Flagger
// leaves zero weights out). Matchers are not simulated: every request takes the first route.
import type { Backend, Rule, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num } from './util.js';

export const GLOO_MESH_RT = { group: 'networking.gloo.solo.io', version: 'v2', plural: 'routetables', kind: 'RouteTable', namespaced: true };

function forwardBackends(route: any, tableNs: string): Backend[] {
  const destinations = arr(route?.forwardTo?.destinations).filter((d) => d?.ref?.name);
  return destinations.map((d) => ({
    service: String(d.ref.name),
    namespace: String(d.ref.namespace || tableNs),
    port: num(d.port?.number),
    weight: destinations.length === 1 ? 100 : (num(d.weight) ?? 0),
  }));
}

export const glooMesh: RouteObserver = {
  name: 'gloo-mesh',
  resources: [GLOO_MESH_RT],
  routes({ objects, rps }) {
    const tables = objects.get(resourceKey(GLOO_MESH_RT)) ?? [];
    const named = (name: string, namespace: string) => tables.find((t) => t.metadata.name === name && ns(t) === namespace);
    const out: SimRoute[] = [];
    for (const root of tables) {
      if (arr(root.spec?.hosts).length === 0) continue;
      const rules: Rule[] = [];
      for (const route of arr(root.spec?.http)) {
        const delegates = arr(route?.delegate?.routeTables).filter((r) => r?.name);
        const routes = delegates.length
          ? delegates.flatMap((r) => {
              const table = named(String(r.name), String(r.namespace || ns(root)));
              return table ? arr(table.spec?.http).map((inner) => ({ inner, tableNs: ns(table) })) : [];
            })
          : [{ inner: route, tableNs: ns(root) }];
        for (const { inner, tableNs } of routes) {
          const backends = forwardBackends(inner, tableNs);
          if (backends.length) rules.push({ matches: [], backends });
        }
      }
      if (rules.length === 0) continue;
      out.push({
        key: `RouteTable.networking.gloo.solo.io/${ns(root)}/${root.metadata.name}`,
        kind: 'RouteTable',
        namespace: ns(root),
        name: root.metadata.name,
        families: ['istio'],
        selection: 'first',
        rules,
        rps,
        host: String(arr(root.spec?.hosts)[0]),
      });
    }
    return out;
  },
};
