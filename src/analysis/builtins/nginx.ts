// NGINX ingress: the canary Ingress's requests; duration is the mean, converted to ms in PromQL.
import type { BuiltinFamily } from './family.js';

const canaryIngress = 'namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""';

export const nginx: BuiltinFamily = {
  requestSuccessRate:
    `sum(rate(nginx_ingress_controller_requests{${canaryIngress},status!~"5.*"}[{{ interval }}])) / ` +
    `sum(rate(nginx_ingress_controller_requests{${canaryIngress}}[{{ interval }}])) * 100`,
  requestDuration:
    `sum(rate(nginx_ingress_controller_response_duration_seconds_sum{${canaryIngress}}[{{ interval }}])) / ` +
    `sum(rate(nginx_ingress_controller_response_duration_seconds_count{${canaryIngress}}[{{ interval }}])) * 1000`,
  requestCount: `sum(increase(nginx_ingress_controller_requests{${canaryIngress}}[{{ interval }}]))`,
  durationUnit: 'ms',
};
