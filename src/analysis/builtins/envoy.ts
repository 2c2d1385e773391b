// Providers that expose Envoy cluster statistics (Kuma, Gloo, App Mesh, Contour, Knative):
// the same two metrics, told apart by the label that names the canary's cluster.
import type { BuiltinFamily } from './family.js';

function envoyFamily(clusterSelector: string): BuiltinFamily {
  return {
    requestSuccessRate:
      `sum(rate(envoy_cluster_upstream_rq{${clusterSelector},envoy_response_code!~"5.*"}[{{ interval }}])) / ` +
      `sum(rate(envoy_cluster_upstream_rq{${clusterSelector}}[{{ interval }}])) * 100`,
    requestDuration: `histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{${clusterSelector}}[{{ interval }}])) by (le))`,
    requestCount: `sum(increase(envoy_cluster_upstream_rq{${clusterSelector}}[{{ interval }}]))`,
    durationUnit: 'ms',
  };
}

export const kuma = envoyFamily('service=~"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+"');
export const gloo = envoyFamily('envoy_cluster_name=~"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"');
export const appmesh = envoyFamily('kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"');
export const contour = envoyFamily('envoy_cluster_name=~"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+"');
export const knative = envoyFamily('envoy_cluster_name=~"{{ namespace }}/{{ route }}"');
