// Open Service Mesh: requests to the target Deployment.
import type { BuiltinFamily } from './family.js';

const destination = 'destination_namespace="{{ namespace }}",destination_kind="Deployment",destination_name="{{ target }}"';

export const osm: BuiltinFamily = {
  requestSuccessRate:
    `sum(rate(osm_request_total{${destination},response_code!~"5.*"}[{{ interval }}])) / ` +
    `sum(rate(osm_request_total{${destination}}[{{ interval }}])) * 100`,
  requestDuration: `histogram_quantile(0.99, sum(rate(osm_request_duration_ms_bucket{${destination}}[{{ interval }}])) by (le))`,
  requestCount: `sum(increase(osm_request_total{${destination}}[{{ interval }}]))`,
  durationUnit: 'ms',
};
