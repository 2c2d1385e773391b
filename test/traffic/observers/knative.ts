// Knative Serving behind Kourier: each Knative Service is one route, split by its status.traffic (what
// Knative's route programs into the gateway) over the revisions' private Services. Recorded at Kourier's
// Envoy under the cluster `<ns>/<revision>`, the name Flagger's builtin knative queries select. The
// revisions and status.traffic come from the simulated Knative controller (../knative.ts).
import type { Backend, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { KSERVICE, type TrafficEntry } from '../knative.js';
import { arr, ns, num } from './util.js';

export const knative: RouteObserver = {
  name: 'knative',
  resources: [KSERVICE],
  routes({ objects, rps }) {
    const out: SimRoute[] = [];
    for (const svc of objects.get(resourceKey(KSERVICE)) ?? []) {
      const namespace = ns(svc);
      const backends: Backend[] = arr<TrafficEntry>(svc.status?.traffic)
        .filter((t) => t?.revisionName && (num(t.percent) ?? 0) > 0)
        .map((t) => ({
          service: `${t.revisionName}-private`,
          namespace,
          port: 80,
          weight: num(t.percent) ?? 0,
          labels: { envoy_cluster_name: `${namespace}/${t.revisionName}` },
        }));
      if (backends.length === 0) continue;
      out.push({
        key: `KnativeService/${namespace}/${svc.metadata.name}`,
        kind: 'KnativeService',
        namespace,
        name: svc.metadata.name,
        families: ['knative'],
        selection: 'first',
        rules: [{ matches: [], backends }],
        rps,
        host: `${svc.metadata.name}.${namespace}`,
      });
    }
    return out;
  },
};
