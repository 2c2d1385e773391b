// Direct traffic that Flagger users generate themselves: the load-test webhook hits <apex>-canary
// directly (so the canary has traffic even at weight 0), at SLUICE_SIM_DIRECT_RPS. Canaries of the
// `kubernetes` provider have no routing object: their apex Service gets the route rate too (Blue/Green
// by Service selector). Direct requests reach the pods through the mesh of the Canary's provider,
// so they are recorded by that mesh's destination-side metrics (istio, gloo-mesh's Istio, linkerd,
// osm, kuma) and by the app; ingress-based providers (nginx, contour, gloo, gatewayapi, ...) see none of them.
import type { Family, KObj, RouteObserver, SimRoute } from '../types.js';
import { ns, num } from './util.js';

export const CANARY = { group: 'flagger.app', version: 'v1beta1', plural: 'canaries', kind: 'Canary', namespaced: true };

export function meshFamilies(provider: string): Family[] {
  // Gloo Mesh programs Istio's sidecars: they report the request.
  if (provider === 'istio' || provider === 'gloo-mesh' || provider === '') return ['istio'];
  if (provider === 'linkerd') return ['linkerd'];
  if (provider === 'osm') return ['osm'];
  if (provider === 'kuma') return ['kuma'];
  return [];
}

export function apexName(c: KObj): string {
  return String(c.spec?.service?.name ?? c.spec?.targetRef?.name ?? c.metadata.name);
}

export interface CanaryTrafficOptions {
  directRps: number;
  defaultProvider: string;
}

export function canaryRoutes(canaries: KObj[], rps: number, opts: CanaryTrafficOptions): SimRoute[] {
  const out: SimRoute[] = [];
  for (const c of canaries) {
    const provider = String(c.spec?.provider ?? opts.defaultProvider);
    // A knative Canary has no <apex>-canary Service: its load test goes through the Knative Service (observers/knative.ts).
    if (provider === 'knative') continue;
    const apex = apexName(c);
    const namespace = ns(c);
    const port = num(c.spec?.service?.port);
    const families = meshFamilies(provider);
    const kumaLabels = (svc: string) =>
      provider === 'kuma'
        ? { service: `${svc}_${namespace}_svc_${port ?? 80}`, mesh: String(c.metadata.annotations?.['kuma.io/mesh'] ?? 'default') }
        : undefined;
    if (opts.directRps > 0) {
      const svc = `${apex}-canary`;
      out.push({
        key: `direct/${namespace}/${svc}`,
        kind: 'Direct',
        namespace,
        name: svc,
        families,
        selection: 'first',
        rps: opts.directRps,
        rules: [{ matches: [], backends: [{ service: svc, namespace, port, weight: 1, labels: kumaLabels(svc) }] }],
        host: `${svc}.${namespace}`,
      });
    }
    if (provider === 'kubernetes') {
      out.push({
        key: `apex/${namespace}/${apex}`,
        kind: 'Service',
        namespace,
        name: apex,
        families,
        selection: 'first',
        rps,
        rules: [{ matches: [], backends: [{ service: apex, namespace, port, weight: 1 }] }],
        host: `${apex}.${namespace}`,
      });
    }
  }
  return out;
}

/** Registered like the others; its routes come from the Canaries every observer is given. */
export const canary: RouteObserver & { options: CanaryTrafficOptions } = {
  name: 'canary',
  resources: [],
  options: { directRps: 5, defaultProvider: 'istio' },
  routes({ canaries, rps }) {
    return canaryRoutes(canaries, rps, this.options);
  },
};
