// Istio: VirtualService http routes -> weighted destinations, header/uri/query matches, mirroring,
// delegation. Requests are recorded as the destination sidecar reports them (istio_* reporter="destination").
import type { Backend, Cond, KObj, Match, Mirror, Rule, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num, serviceFromHost } from './util.js';

const VS = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', kind: 'VirtualService', namespaced: true };

function stringMatch(field: Cond['field'], name: string | undefined, sm: any, negate = false, ignoreCase = false): Cond[] {
  if (!sm || typeof sm !== 'object') return [];
  const neg = (op: 'exact' | 'prefix' | 'regex'): Cond['op'] => (negate ? (`not-${op}` as Cond['op']) : op);
  if (sm.exact !== undefined) return [{ field, name, op: neg('exact'), value: String(sm.exact), ignoreCase }];
  if (sm.prefix !== undefined) return [{ field, name, op: neg('prefix'), value: String(sm.prefix), ignoreCase }];
  if (sm.regex !== undefined) return [{ field, name, op: neg('regex'), value: String(sm.regex), ignoreCase }];
  return [{ field, name, op: negate ? 'absent' : 'present' }]; // {} = the header is present
}

export function istioMatch(m: any): Match {
  const conds: Cond[] = [];
  conds.push(...stringMatch('path', undefined, m?.uri, false, !!m?.ignoreUriCase));
  conds.push(...stringMatch('method', undefined, m?.method));
  conds.push(...stringMatch('host', undefined, m?.authority));
  for (const [k, v] of Object.entries(m?.headers ?? {})) conds.push(...stringMatch('header', k.toLowerCase(), v));
  for (const [k, v] of Object.entries(m?.withoutHeaders ?? {})) conds.push(...stringMatch('header', k.toLowerCase(), v, true));
  for (const [k, v] of Object.entries(m?.queryParams ?? {})) conds.push(...stringMatch('query', k, v));
  return { conds };
}

function destination(d: any, defNs: string, weight: number): Backend {
  const svc = serviceFromHost(String(d?.host ?? ''), defNs);
  return { service: svc.name, namespace: svc.namespace, port: num(d?.port?.number), weight };
}

/** An http route's mirror, at mirrorPercentage (or the older mirrorPercent, mirror_percent), else 100%. */
function mirrorOf(h: any, defNs: string): Mirror | undefined {
  if (!h?.mirror?.host) return undefined;
  const percent = num(h?.mirrorPercentage?.value) ?? num(h?.mirrorPercent) ?? num(h?.mirror_percent) ?? 100;
  return { backend: destination(h.mirror, defNs, 100), percent };
}

function httpRules(vs: KObj, all: KObj[], depth = 0): Rule[] {
  const rules: Rule[] = [];
  for (const h of arr(vs.spec?.http)) {
    if (h?.delegate?.name && depth < 3) {
      const target = all.find((o) => o.metadata.name === h.delegate.name && ns(o) === (h.delegate.namespace ?? ns(vs)));
      if (target) rules.push(...httpRules(target, all, depth + 1));
      continue;
    }
    const routes = arr(h?.route);
    const backends = routes.map((r) => destination(r?.destination, ns(vs), num(r?.weight) ?? (routes.length === 1 ? 100 : 0)));
    const rule: Rule = { matches: arr(h?.match).map(istioMatch), backends };
    const mirror = mirrorOf(h, ns(vs));
    if (mirror) rule.mirror = mirror;
    if (backends.length > 0) rules.push(rule);
  }
  return rules;
}

export const istio: RouteObserver = {
  name: 'istio',
  resources: [VS],
  routes({ objects, rps }) {
    const all = objects.get(resourceKey(VS)) ?? [];
    const out: SimRoute[] = [];
    for (const vs of all) {
      // A VirtualService without hosts is a delegate: it is reached through its root only.
      const hosts = arr<string>(vs.spec?.hosts);
      if (hosts.length === 0) continue;
      const rules = httpRules(vs, all);
      if (rules.length === 0) continue;
      out.push({
        key: `VirtualService/${ns(vs)}/${vs.metadata.name}`,
        kind: 'VirtualService',
        namespace: ns(vs),
        name: vs.metadata.name,
        families: ['istio'],
        selection: 'first',
        rules,
        rps,
        host: hosts[0],
      });
    }
    return out;
  },
};
