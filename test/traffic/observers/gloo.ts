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
  const ci = m?.caseSensitive === false;
  if (m?.exact !== undefined) conds.push({ field: 'path', op: 'exact', value: String(m.exact), ignoreCase: ci });
  else if (m?.regex !== undefined) conds.push({ field: 'path', op: 'regex', value: String(m.regex), ignoreCase: ci });
  else if (m?.prefix !== undefined) conds.push({ field: 'path', op: 'prefix', value: String(m.prefix), ignoreCase: ci });
  for (const h of arr(m?.headers)) {
    const name = String(h?.name ?? '').toLowerCase();
    const inv = !!h?.invertMatch;
    if (h?.value === undefined || h?.value === '') conds.push({ field: 'header', name, op: inv ? 'absent' : 'present' });
    else conds.push({ field: 'header', name, op: h?.regex ? (inv ? 'not-regex' : 'regex') : inv ? 'not-exact' : 'exact', value: String(h.value) });
  }
  for (const q of arr(m?.queryParameters)) {
    const name = String(q?.name ?? '');
    if (q?.value === undefined || q?.value === '') conds.push({ field: 'query', name, op: 'present' });
    else conds.push({ field: 'query', name, op: q?.regex ? 'regex' : 'exact', value: String(q.value) });
  }
  const methods = arr<string>(m?.methods);
  if (methods.length === 1) conds.push({ field: 'method', op: 'exact', value: methods[0] });
  return { conds };
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
