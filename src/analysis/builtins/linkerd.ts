// Linkerd: the proxy's inbound response metrics, per deployment.
import type { BuiltinFamily } from './family.js';

const inbound = 'namespace="{{ namespace }}",deployment=~"{{ target }}"';

export const linkerd: BuiltinFamily = {
  requestSuccessRate:
    `sum(rate(response_total{${inbound},classification!="failure",direction="inbound"}[{{ interval }}])) / ` +
    `sum(rate(response_total{${inbound},direction="inbound"}[{{ interval }}])) * 100`,
  requestDuration: `histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{${inbound},direction="inbound"}[{{ interval }}])) by (le))`,
  requestCount: `sum(increase(response_total{${inbound},direction="inbound"}[{{ interval }}]))`,
  durationUnit: 'ms',
};
