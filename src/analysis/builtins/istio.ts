// Istio: the destination sidecar's standard metrics, per workload.
import type { BuiltinFamily } from './family.js';

const workload = 'reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload=~"{{ target }}"';

export const istio: BuiltinFamily = {
  requestSuccessRate:
    `sum(rate(istio_requests_total{${workload},response_code!~"5.*"}[{{ interval }}])) / ` +
    `sum(rate(istio_requests_total{${workload}}[{{ interval }}])) * 100`,
  requestDuration: `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{${workload}}[{{ interval }}])) by (le))`,
  requestCount: `sum(increase(istio_requests_total{${workload}}[{{ interval }}]))`,
  durationUnit: 'ms',
};
