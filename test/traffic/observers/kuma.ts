// Kuma TrafficRoute (cluster-scoped; `mesh` and `spec` at the top level): conf.split weighted
// destinations by kuma.io/service tag "<svc>_<ns>_svc_<port>", conf.http matched routes first.
// Recorded at the destination data plane: envoy_cluster_upstream_rq{service="<tag>"}.
import type { Backend, Cond, Match, Rule, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, num } from './util.js';

const TR = { group: 'kuma.io', version: 'v1alpha1', plural: 'trafficroutes', kind: 'TrafficRoute', namespaced: false };

export function parseKumaTag(tag: string): { name: string; namespace: string; port?: number } | undefined {
  const m = /^(.+)_([a-z0-9]([-a-z0-9]*[a-z0-9])?)_svc_([0-9]+)$/.exec(tag);
  return m ? { name: m[1], namespace: m[2], port: Number(m[4]) } : undefined;
}

function backend(dest: Record<string, string> | undefined, weight: number, mesh: string): Backend | undefined {
  const tag = dest?.['kuma.io/service'];
  const p = tag ? parseKumaTag(tag) : undefined;
  if (!tag || !p) return undefined;
  return { service: p.name, namespace: p.namespace, port: p.port, weight, labels: { service: tag, mesh } };
}

function split(conf: any, mesh: string): Backend[] {
  if (Array.isArray(conf?.split)) return conf.split.map((s: any) => backend(s?.destination, num(s?.weight) ?? 0, mesh)).filter(Boolean) as Backend[];
  const one = backend(conf?.destination, 100, mesh);
  return one ? [one] : [];
}

function httpMatch(m: any): Match {
  const conds: Cond[] = [];
  const sm = (field: Cond['field'], name: string | undefined, v: any) => {
    if (v?.exact !== undefined) conds.push({ field, name, op: 'exact', value: String(v.exact) });
    else if (v?.prefix !== undefined) conds.push({ field, name, op: 'prefix', value: String(v.prefix) });
    else if (v?.regex !== undefined) conds.push({ field, name, op: 'regex', value: String(v.regex) });
  };
  sm('path', undefined, m?.path);
  sm('method', undefined, m?.method);
  for (const [k, v] of Object.entries(m?.headers ?? {})) sm('header', k.toLowerCase(), v);
  return { conds };
}

export const kuma: RouteObserver = {
  name: 'kuma',
  resources: [TR],
  routes({ objects, rps }) {
    const out: SimRoute[] = [];
    for (const tr of objects.get(resourceKey(TR)) ?? []) {
      const mesh = String(tr.mesh ?? 'default');
      const conf = tr.spec?.conf;
      const rules: Rule[] = [];
      for (const h of arr(conf?.http)) {
        const backends = split(h, mesh);
        if (backends.length) rules.push({ matches: h?.match ? [httpMatch(h.match)] : [], backends });
      }
      const backends = split(conf, mesh);
      if (backends.length) rules.push({ matches: [], backends });
      if (rules.length === 0) continue;
      const dest = arr(tr.spec?.destinations)[0]?.match?.['kuma.io/service'];
      const apex = dest ? parseKumaTag(dest) : undefined;
      out.push({
        key: `TrafficRoute/${tr.metadata.name}`,
        kind: 'TrafficRoute',
        namespace: apex?.namespace ?? '',
        name: tr.metadata.name,
        families: ['kuma'],
        selection: 'first',
        rules,
        rps,
        host: dest,
      });
    }
    return out;
  },
};
