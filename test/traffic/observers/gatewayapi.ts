// Gateway API HTTPRoute (v1; v1beta1 objects are listed by the same watch): rules with matches
// (default PathPrefix /), weighted Service backendRefs (default weight 1), RequestMirror filters.
// The most specific match wins across rules. Flagger's gatewayapi provider reads the app's own
// metrics, so these requests are recorded only by the pods (podinfo family).
import type { Backend, Cond, KObj, Match, Mirror, Rule, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num } from './util.js';

const HR = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute', namespaced: true };

export function gatewayMatch(m: any): Match {
  const conds: Cond[] = [pathCondition(m?.path ?? { type: 'PathPrefix', value: '/' })];
  for (const h of arr(m?.headers)) conds.push({ ...valueCondition(h), field: 'header', name: String(h?.name ?? '').toLowerCase() });
  for (const q of arr(m?.queryParams)) conds.push({ ...valueCondition(q), field: 'query', name: String(q?.name ?? '') });
  if (m?.method) conds.push({ field: 'method', op: 'exact', value: String(m.method) });
  return { conds };
}

/** PathPrefix (the default) "/" matches every path, but is kept as the route's condition. */
function pathCondition(path: any): Cond {
  const value = String(path.value ?? '/');
  if (path.type === 'Exact') return { field: 'path', op: 'exact', value };
  if (path.type === 'RegularExpression') return { field: 'path', op: 'regex', value };
  return { field: 'path', op: 'prefix', value };
}

/** A header or query parameter match: Exact (the default) or RegularExpression. */
function valueCondition(x: any): Pick<Cond, 'op' | 'value'> {
  return { op: x?.type === 'RegularExpression' ? 'regex' : 'exact', value: String(x?.value ?? '') };
}

const isService = (r: any) => (r?.kind ?? 'Service') === 'Service' && (r?.group ?? '') === '';

function backendRef(r: any, routeNs: string, weight: number): Backend {
  return { service: String(r?.name ?? ''), namespace: String(r?.namespace ?? routeNs), port: num(r?.port), weight };
}

function mirrorOf(filters: unknown, routeNs: string): Mirror | undefined {
  const f = arr(filters).find((x) => x?.type === 'RequestMirror' && x?.requestMirror?.backendRef && isService(x.requestMirror.backendRef));
  if (!f) return undefined;
  const rm = f.requestMirror;
  let percent = 100;
  if (num(rm.percent) !== undefined) percent = num(rm.percent)!;
  else if (rm.fraction && num(rm.fraction.numerator) !== undefined) percent = (100 * num(rm.fraction.numerator)!) / (num(rm.fraction.denominator) ?? 100);
  return { backend: backendRef(rm.backendRef, routeNs, 100), percent };
}

export const gatewayapi: RouteObserver = {
  name: 'gatewayapi',
  resources: [HR],
  routes({ objects, rps }) {
    const out: SimRoute[] = [];
    for (const hr of objects.get(resourceKey(HR)) ?? ([] as KObj[])) {
      const rules: Rule[] = [];
      for (const r of arr(hr.spec?.rules)) {
        const refs = arr(r?.backendRefs).filter(isService);
        const backends = refs.map((b) => backendRef(b, ns(hr), num(b?.weight) ?? 1));
        if (backends.length === 0) continue;
        const ms = arr(r?.matches);
        rules.push({ matches: (ms.length ? ms : [{}]).map(gatewayMatch), backends, mirror: mirrorOf(r?.filters, ns(hr)) });
      }
      if (rules.length === 0) continue;
      out.push({
        key: `HTTPRoute/${ns(hr)}/${hr.metadata.name}`,
        kind: 'HTTPRoute',
        namespace: ns(hr),
        name: hr.metadata.name,
        families: [],
        selection: 'specific',
        rules,
        rps,
        host: arr<string>(hr.spec?.hostnames)[0],
      });
    }
    return out;
  },
};
