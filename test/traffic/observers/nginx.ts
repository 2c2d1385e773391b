// NGINX Ingress: each main Ingress path is a route; a canary Ingress (annotation <prefix>/canary: "true",
// any prefix, default nginx.ingress.kubernetes.io) on the same host and path adds the canary backend:
// canary-by-header (+ -header-value / -header-pattern, else "always"/"never"), then canary-by-cookie
// ("always"/"never"), then canary-weight out of canary-weight-total (default 100), in that order.
// Recorded at the controller: nginx_ingress_controller_* with ingress=<main Ingress> and
// canary="<ns>-<canary-service>-<port>" for requests the canary served ("" otherwise).
import type { Backend, KObj, Rule, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num } from './util.js';

const ING = { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true };

/** Annotation value by suffix (e.g. "canary-weight"), whatever the prefix. */
export function annotation(o: KObj, name: string): string | undefined {
  for (const [k, v] of Object.entries(o.metadata.annotations ?? {})) if (k.endsWith(`/${name}`)) return v;
  return undefined;
}
export const isCanaryIngress = (o: KObj) => annotation(o, 'canary') === 'true';
function isNginx(o: KObj): boolean {
  const cls = o.spec?.ingressClassName ?? o.metadata.annotations?.['kubernetes.io/ingress.class'];
  return cls === undefined || String(cls).includes('nginx');
}

interface PathEntry {
  host: string;
  path: string;
  service: string;
  port?: number;
}
function paths(o: KObj): PathEntry[] {
  const entries = arr(o.spec?.rules).flatMap(ruleEntries);
  return entries.length > 0 ? entries : defaultBackendEntries(o);
}

/** The paths of one Ingress rule that name a Service backend. */
function ruleEntries(r: any): PathEntry[] {
  const out: PathEntry[] = [];
  for (const p of arr(r?.http?.paths)) {
    const svc = p?.backend?.service;
    if (svc?.name) out.push({ host: String(r?.host ?? ''), path: String(p?.path ?? '/'), service: String(svc.name), port: num(svc.port?.number) });
  }
  return out;
}

/** An Ingress without rule paths serves every host and path from its default backend, when it has one. */
function defaultBackendEntries(o: KObj): PathEntry[] {
  const d = o.spec?.defaultBackend?.service;
  return d?.name ? [{ host: '', path: '/', service: String(d.name), port: num(d.port?.number) }] : [];
}

const upstream = (namespace: string, e: PathEntry) => `${namespace}-${e.service}-${e.port ?? 80}`;

export function nginxRules(main: PathEntry, canary: { obj: KObj; entry: PathEntry } | undefined, namespace: string): Rule[] {
  const mainB: Backend = { service: main.service, namespace, port: main.port, weight: 0, labels: { canary: '', service: main.service } };
  if (!canary) return [{ matches: [], backends: [{ ...mainB, weight: 100 }] }];
  const canB: Backend = {
    service: canary.entry.service,
    namespace,
    port: canary.entry.port,
    weight: 0,
    labels: { canary: upstream(namespace, canary.entry), service: canary.entry.service },
  };
  const toCanary = [{ ...canB, weight: 100 }];
  const toMain = [{ ...mainB, weight: 100 }];
  const rules: Rule[] = [];
  const header = annotation(canary.obj, 'canary-by-header');
  if (header) {
    const name = header.toLowerCase();
    const value = annotation(canary.obj, 'canary-by-header-value');
    const pattern = annotation(canary.obj, 'canary-by-header-pattern');
    if (value) rules.push({ matches: [{ conds: [{ field: 'header', name, op: 'exact', value }] }], backends: toCanary });
    else if (pattern) rules.push({ matches: [{ conds: [{ field: 'header', name, op: 'regex', value: pattern }] }], backends: toCanary });
    else {
      rules.push({ matches: [{ conds: [{ field: 'header', name, op: 'exact', value: 'always' }] }], backends: toCanary });
      rules.push({ matches: [{ conds: [{ field: 'header', name, op: 'exact', value: 'never' }] }], backends: toMain });
    }
  }
  const cookie = annotation(canary.obj, 'canary-by-cookie');
  if (cookie) {
    rules.push({ matches: [{ conds: [{ field: 'cookie', name: cookie, op: 'exact', value: 'always' }] }], backends: toCanary });
    rules.push({ matches: [{ conds: [{ field: 'cookie', name: cookie, op: 'exact', value: 'never' }] }], backends: toMain });
  }
  const total = num(annotation(canary.obj, 'canary-weight-total')) ?? 100;
  const w = Math.min(total, Math.max(0, num(annotation(canary.obj, 'canary-weight')) ?? 0));
  rules.push({
    matches: [],
    backends: [
      { ...mainB, weight: total - w },
      { ...canB, weight: w },
    ],
  });
  return rules;
}

export const nginx: RouteObserver = {
  name: 'nginx',
  resources: [ING],
  routes({ objects, rps }) {
    const all = (objects.get(resourceKey(ING)) ?? []).filter(isNginx);
    const out: SimRoute[] = [];
    for (const main of all.filter((o) => !isCanaryIngress(o))) {
      for (const e of paths(main)) {
        let canary: { obj: KObj; entry: PathEntry } | undefined;
        for (const c of all.filter((o) => isCanaryIngress(o) && ns(o) === ns(main))) {
          const ce = paths(c).find((p) => p.host === e.host && p.path === e.path);
          if (ce) {
            canary = { obj: c, entry: ce };
            break;
          }
        }
        out.push({
          key: `Ingress/${ns(main)}/${main.metadata.name}/${e.host}${e.path}`,
          kind: 'Ingress',
          namespace: ns(main),
          name: main.metadata.name,
          families: ['nginx'],
          selection: 'first',
          rules: nginxRules(e, canary, ns(main)),
          rps,
          host: e.host || undefined,
          ingress: main.metadata.name,
        });
      }
    }
    return out;
  },
};
