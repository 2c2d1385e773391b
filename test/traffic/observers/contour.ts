// Contour HTTPProxy: routes with conditions (prefix/exact/regex path, header and query conditions, all
// ANDed), weighted services (all unset or zero = equal split), mirror services. The most specific route
// wins. Recorded at Contour's Envoy: envoy_cluster_upstream_rq{envoy_cluster_name="<ns>_<svc>_<port>"}.
import type { Backend, Cond, Match, Rule, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num } from './util.js';

const HP = { group: 'projectcontour.io', version: 'v1', plural: 'httpproxies', kind: 'HTTPProxy', namespaced: true };

export function contourConditions(conditions: unknown): Match {
  const conds: Cond[] = [];
  for (const c of arr(conditions)) conds.push(...pathConditions(c), ...headerConditions(c?.header), ...queryConditions(c?.queryParameter));
  return { conds };
}

/** A prefix of "/" matches every path: it is no condition. */
function pathConditions(c: any): Cond[] {
  const conds: Cond[] = [];
  if (c?.prefix !== undefined && c.prefix !== '/') conds.push({ field: 'path', op: 'prefix', value: String(c.prefix) });
  if (c?.exact !== undefined) conds.push({ field: 'path', op: 'exact', value: String(c.exact) });
  if (c?.regex !== undefined) conds.push({ field: 'path', op: 'regex', value: String(c.regex) });
  return conds;
}

/** Contour's header condition fields that compare a value, with the comparison each makes. */
const HEADER_VALUE_OPS: [field: string, op: Cond['op']][] = [
  ['exact', 'exact'],
  ['notexact', 'not-exact'],
  ['contains', 'contains'],
  ['notcontains', 'not-contains'],
  ['regex', 'regex'],
];

function headerConditions(h: any): Cond[] {
  if (!h?.name) return [];
  const name = String(h.name).toLowerCase();
  const ignoreCase = !!h.ignoreCase;
  const conds: Cond[] = [];
  if (h.present) conds.push({ field: 'header', name, op: 'present' });
  if (h.notpresent) conds.push({ field: 'header', name, op: 'absent' });
  for (const [field, op] of HEADER_VALUE_OPS) {
    if (h[field] !== undefined) conds.push({ field: 'header', name, op, value: String(h[field]), ignoreCase });
  }
  return conds;
}

/** Contour's query parameter condition fields that compare a value (each names its comparison). */
const QUERY_VALUE_OPS: Cond['op'][] = ['exact', 'prefix', 'contains', 'regex'];

function queryConditions(q: any): Cond[] {
  if (!q?.name) return [];
  const name = String(q.name);
  const conds: Cond[] = [];
  if (q.present) conds.push({ field: 'query', name, op: 'present' });
  for (const op of QUERY_VALUE_OPS) {
    if (q[op] !== undefined) conds.push({ field: 'query', name, op, value: String(q[op]) });
  }
  return conds;
}

export const contour: RouteObserver = {
  name: 'contour',
  resources: [HP],
  routes({ objects, rps }) {
    const out: SimRoute[] = [];
    for (const hp of objects.get(resourceKey(HP)) ?? []) {
      const rules: Rule[] = [];
      for (const r of arr(hp.spec?.routes)) {
        const svcs = arr(r?.services);
        const served = svcs.filter((s) => !s?.mirror);
        const anyWeight = served.some((s) => (num(s?.weight) ?? 0) > 0);
        const mk = (s: any, w: number): Backend => {
          const port = num(s?.port);
          return { service: String(s?.name ?? ''), namespace: ns(hp), port, weight: w, labels: { envoy_cluster_name: `${ns(hp)}_${s?.name}_${port ?? ''}` } };
        };
        const backends = served.map((s) => mk(s, anyWeight ? (num(s?.weight) ?? 0) : 1));
        if (backends.length === 0) continue;
        const m = svcs.find((s) => s?.mirror);
        rules.push({ matches: [contourConditions(r?.conditions)], backends, mirror: m ? { backend: mk(m, 100), percent: 100 } : undefined });
      }
      if (rules.length === 0) continue;
      out.push({
        key: `HTTPProxy/${ns(hp)}/${hp.metadata.name}`,
        kind: 'HTTPProxy',
        namespace: ns(hp),
        name: hp.metadata.name,
        families: ['contour'],
        selection: 'specific',
        rules,
        rps,
        host: hp.spec?.virtualhost?.fqdn,
      });
    }
    return out;
  },
};
