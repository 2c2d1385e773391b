// Traefik TraefikService: a weighted round robin over Kubernetes Services (`spec.weighted.services`,
// a service without weight counts 1, as Traefik's default). The user's IngressRoute that routes to
// it is not needed: every TraefikService gets the route rate. Recorded at Traefik under the child
// service's name, `<ns>-<svc>-<port>@kubernetescrd`. Nested TraefikServices, mirroring and failover
// are not simulated.
import type { Backend, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { arr, ns, num } from './util.js';

const TS = { group: 'traefik.io', version: 'v1alpha1', plural: 'traefikservices', kind: 'TraefikService', namespaced: true };

export const traefik: RouteObserver = {
  name: 'traefik',
  resources: [TS],
  routes({ objects, rps }) {
    const out: SimRoute[] = [];
    for (const ts of objects.get(resourceKey(TS)) ?? []) {
      const backends: Backend[] = arr(ts.spec?.weighted?.services)
        .filter((s) => s?.name && (s.kind === undefined || s.kind === 'Service'))
        .map((s) => {
          const namespace = String(s.namespace ?? ns(ts));
          const port = num(s.port);
          return {
            service: String(s.name),
            namespace,
            port,
            weight: num(s.weight) ?? 1,
            labels: { traefik_service: `${namespace}-${s.name}-${s.port ?? ''}@kubernetescrd` },
          };
        });
      if (backends.length === 0) continue;
      out.push({
        key: `TraefikService/${ns(ts)}/${ts.metadata.name}`,
        kind: 'TraefikService',
        namespace: ns(ts),
        name: ts.metadata.name,
        families: ['traefik'],
        selection: 'first',
        rules: [{ matches: [], backends }],
        rps,
      });
    }
    return out;
  },
};
