// Prometheus metrics of the admission webhooks, in prom-client's default registry (where the
// controller's /metrics endpoint reads). Created once per process: several servers (tests,
// benchmarks) share them.
import { Histogram, register } from 'prom-client';

export type AdmissionOutcome = 'allowed' | 'patched' | 'denied' | 'bad_request' | 'error';

const NAME = 'sluice_admission_duration_seconds';

function histogram(): Histogram<'webhook' | 'outcome'> {
  const existing = register.getSingleMetric(NAME);
  if (existing) return existing as Histogram<'webhook' | 'outcome'>;
  return new Histogram({
    name: NAME,
    help: 'Time to answer one AdmissionReview, by webhook path and outcome',
    labelNames: ['webhook', 'outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });
}

export function observeAdmission(webhook: string, outcome: AdmissionOutcome, seconds: number): void {
  histogram().observe({ webhook, outcome }, seconds);
}
