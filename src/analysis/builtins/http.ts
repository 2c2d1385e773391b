// Plain Kubernetes and Gateway API: the application's own HTTP histogram (podinfo's
// http_request_duration_seconds), labelled with the pod by Prometheus's Kubernetes discovery.
// The duration comes back in seconds; Flagger converts it to milliseconds in code.
import type { BuiltinFamily } from './family.js';

const pods = 'kubernetes_namespace="{{ namespace }}",kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"';

export const http: BuiltinFamily = {
  requestSuccessRate:
    `sum(rate(http_request_duration_seconds_count{${pods},status!~"5.*"}[{{ interval }}])) / ` +
    `sum(rate(http_request_duration_seconds_count{${pods}}[{{ interval }}])) * 100`,
  requestDuration: `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{${pods}}[{{ interval }}])) by (le))`,
  requestCount: `sum(increase(http_request_duration_seconds_count{${pods}}[{{ interval }}]))`,
  durationUnit: 's',
};
