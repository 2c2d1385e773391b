// Traefik: the canary TraefikService's histogram; the +Inf bucket counts every request.
import type { BuiltinFamily } from './family.js';

const canaryService = 'service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"';

export const traefik: BuiltinFamily = {
  requestSuccessRate:
    `sum(rate(traefik_service_request_duration_seconds_bucket{${canaryService},code!~"5..",le="+Inf"}[{{ interval }}])) / ` +
    `sum(rate(traefik_service_request_duration_seconds_bucket{${canaryService},le="+Inf"}[{{ interval }}])) * 100`,
  requestDuration: `histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{${canaryService}}[{{ interval }}])) by (le)) * 1000`,
  requestCount: `sum(increase(traefik_service_request_duration_seconds_bucket{${canaryService},le="+Inf"}[{{ interval }}]))`,
  durationUnit: 'ms',
};
