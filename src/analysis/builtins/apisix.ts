// Apache APISIX: the canary route generated for the ApisixRoute in routeRef.
import type { BuiltinFamily } from './family.js';

const canaryRoute = 'route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+"';

export const apisix: BuiltinFamily = {
  requestSuccessRate:
    `sum(rate(apisix_http_status{${canaryRoute},code!~"5.."}[{{ interval }}])) / ` + `sum(rate(apisix_http_status{${canaryRoute}}[{{ interval }}])) * 100`,
  requestDuration: `histogram_quantile(0.99, sum(rate(apisix_http_latency_bucket{type=~"request",${canaryRoute}}[{{ interval }}])) by (le))`,
  requestCount: `sum(increase(apisix_http_status{${canaryRoute}}[{{ interval }}]))`,
  durationUnit: 'ms',
};
