// Gloo Edge: RouteTable routes (first match wins) -> weighted Upstreams; an Upstream of type kube
// names the Service. Recorded at the gateway proxy: envoy_cluster_upstream_rq with
// envoy_cluster_name="<upstream>_<upstream-namespace>".
import type { Backend, Cond, KObj, Match, Rule, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num } from './util.js';

const RT = { group: 'gateway.solo.io', version: 'v1', plural: 'routetables', kind: 'RouteTable', namespaced: true };
const US = { group: 'gloo.solo.io', version: 'v1', plural: 'upstreams', kind: 'Upstream', namespaced: true };

export function glooMatcher(m: any): Match {
  const conds: Cond[] = [];
  const path = pathCondition(m);
  if (path) conds.push(path);
  for (const h of arr(m?.headers)) conds.push(headerCondition(h));
  for (const q of arr(m?.queryParameters)) conds.push(queryCondition(q));
  const methods = arr<string>(m?.methods);
  if (methods.length === 1) conds.push({ field: 'method', op: 'exact', value: methods[0] });
  return { conds };
}

/** The matcher's one path specifier: exact, else regex, else prefix; none matches every path. */
function pathCondition(m: any): Cond | undefined {
  const ignoreCase = m?.caseSensitive === false;
  if (m?.exact !== undefined) return { field: 'path', op: 'exact', value: String(m.exact), ignoreCase };
  if (m?.regex !== undefined) return { field: 'path', op: 'regex', value: String(m.regex), ignoreCase };
  if (m?.prefix !== undefined) return { field: 'path', op: 'prefix', value: String(m.prefix), ignoreCase };
  return undefined;
}

/** A header matcher without a value asks for the header's presence; invertMatch negates it. */
function headerCondition(h: any): Cond {
  const name = String(h?.name ?? '').toLowerCase();
  const inverted = !!h?.invertMatch;
  if (h?.value === undefined || h?.value === '') return { field: 'header', name, op: inverted ? 'absent' : 'present' };
  const op = h?.regex ? (inverted ? 'not-regex' : 'regex') : inverted ? 'not-exact' : 'exact';
  return { field: 'header', name, op, value: String(h.value) };
}

function queryCondition(q: any): Cond {
  const name = String(q?.name ?? '');
  if (q?.value === undefined || q?.value === '') return { field: 'query', name, op: 'present' };
  return { field: 'query', name, op: q?.regex ? 'regex' : 'exact', value: String(q.value) };
}

function upstreamBackend(ref: any, rtNs: string, weight: number, upstreams: KObj[]): Backend {
  const name = String(ref?.name ?? '');
  const namespace = String(ref?.namespace ?? rtNs);
  const us = upstreams.find((u) => u.metadata.name === name && ns(u) === namespace);
  const kube = us?.spec?.kube;
  return {
    // An Upstream that does not exist (or is not of type kube) resolves to no Service: no endpoints.
    service: kube?.serviceName ? String(kube.serviceName) : '',
    namespace: String(kube?.serviceNamespace ?? namespace),
    port: num(kube?.servicePort),
    weight,
    labels: { envoy_cluster_name: `${name}_${namespace}` },
  };
}

export const gloo: RouteObserver = {
  name: 'gloo',
  resources: [RT, US],
  routes({ objects, rps }) {
    const upstreams = objects.get(resourceKey(US)) ?? [];
    const out: SimRoute[] = [];
    for (const rt of objects.get(resourceKey(RT)) ?? []) {
      const rules: Rule[] = [];
      for (const r of arr(rt.spec?.routes)) {
        const a = r?.routeAction;
        let backends: Backend[] = [];
        if (a?.multi) backends = arr(a.multi.destinations).map((d) => upstreamBackend(d?.destination?.upstream, ns(rt), num(d?.weight) ?? 0, upstreams));
        else if (a?.single?.upstream) backends = [upstreamBackend(a.single.upstream, ns(rt), 100, upstreams)];
        if (backends.length === 0) continue;
        const matchers = arr(r?.matchers);
        rules.push({ matches: matchers.length ? matchers.map(glooMatcher) : [], backends });
      }
      if (rules.length === 0) continue;
      out.push({
        key: `RouteTable/${ns(rt)}/${rt.metadata.name}`,
        kind: 'RouteTable',
        namespace: ns(rt),
        name: rt.metadata.name,
        families: ['gloo'],
        selection: 'first',
        rules,
        rps,
      });
    }
    return out;
  },
};
