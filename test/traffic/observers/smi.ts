// SMI TrafficSplit (v1alpha1, v1alpha2, v1alpha3): weighted backends of an apex Service. Which mesh's
// metrics a split produces: the provider of the Canary that owns it (linkerd -> Linkerd, osm -> OSM);
// without one, the version it was written with: v1alpha1 and v1alpha3 -> Linkerd, v1alpha2 -> Linkerd
// and OSM (both implement it; the generator cannot tell which mesh the cluster would run).
import type { Family, KObj, RouteObserver, SimRoute } from '../types.js';
import { resourceKey } from '../types.js';
import { parseQuantity } from '../weights.js';
import { arr, ns, owningCanary, writtenApiVersion } from './util.js';

// Every served version lists every TrafficSplit (conversion None), so one watch covers all three.
const TS = { group: 'split.smi-spec.io', version: 'v1alpha2', plural: 'trafficsplits', kind: 'TrafficSplit', namespaced: true };

export function smiFamilies(ts: KObj, canaries: KObj[]): Family[] {
  const provider = String(owningCanary(ts, canaries)?.spec?.provider ?? '');
  if (provider === 'linkerd') return ['linkerd'];
  if (provider === 'osm') return ['osm'];
  const v = (writtenApiVersion(ts) ?? ts.apiVersion ?? '').split('/')[1] ?? '';
  if (provider === 'smi:v1alpha2' || v === 'v1alpha2') return ['linkerd', 'osm'];
  return ['linkerd'];
}

export const smi: RouteObserver = {
  name: 'smi',
  resources: [TS],
  routes({ objects, canaries, rps }) {
    const out: SimRoute[] = [];
    for (const ts of objects.get(resourceKey(TS)) ?? []) {
      const backends = arr(ts.spec?.backends).map((b) => ({ service: String(b?.service ?? ''), namespace: ns(ts), weight: parseQuantity(b?.weight) }));
      if (backends.length === 0) continue;
      out.push({
        key: `TrafficSplit/${ns(ts)}/${ts.metadata.name}`,
        kind: 'TrafficSplit',
        namespace: ns(ts),
        name: ts.metadata.name,
        families: smiFamilies(ts, canaries),
        selection: 'first',
        rules: [{ matches: [], backends }],
        rps,
        host: ts.spec?.service,
      });
    }
    return out;
  },
};
