// Prometheus metrics of the admission webhooks. Labelled by route (one of the webhook paths, or
// "unknown"), never by the path a caller sent: the webhook port answers unauthenticated callers,
// and a label they choose is a new series each time. Registered in no registry here: the process
// that serves /metrics registers it in its own (`registry.registerMetric(admissionDuration)`).
import { Histogram } from 'prom-client';

export type AdmissionOutcome = 'allowed' | 'patched' | 'denied' | 'bad_request' | 'error';

/** The label of a request that matched no webhook route. */
export const UNKNOWN_ROUTE = 'unknown';

export const admissionDuration = new Histogram<'webhook' | 'outcome'>({
  name: 'sluice_admission_duration_seconds',
  help: 'Time to answer one AdmissionReview, by webhook route and outcome',
  labelNames: ['webhook', 'outcome'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [],
});

/** `route` is a webhook path as registered, or UNKNOWN_ROUTE. */
export function observeAdmission(route: string, outcome: AdmissionOutcome, seconds: number): void {
  admissionDuration.observe({ webhook: route, outcome }, seconds);
}
