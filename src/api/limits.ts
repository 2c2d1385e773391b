// The largest values a Canary may ask for. Each bound keeps one Canary from holding a worker, the
// memory or the apiserver for everyone else: every webhook runs once per analysis step, each up to
// its timeout and its retries, and every metric is one query. Far above what real rollouts use
// (Flagger's own examples stay under 10 metrics, 10 webhooks and 3m timeouts); the CRD schemas
// carry the counts as maxItems/maximum, and validation names the field of each one exceeded.

/** analysis.webhooks[].timeout: a helm test or an acceptance suite fits; a 720h wait does not. */
export const MAX_WEBHOOK_TIMEOUT_MS = 5 * 60_000;

export const CANARY_LIMITS = {
  /** analysis.metrics: queries per analysis step. */
  metrics: 20,
  /** analysis.webhooks: calls per step, run one after another. */
  webhooks: 20,
  /** analysis.alerts: notifications per Event. */
  alerts: 20,
  /** analysis.webhooks[].retries: attempts after the first, each with its own deadline. */
  webhookRetries: 10,
  /** analysis.threshold: failed checks before rollback. */
  threshold: 1_000,
  /** analysis.iterations: A/B and Blue/Green steps. */
  iterations: 1_000,
  /** analysis.stepWeights: strictly increasing percentages, so 100 at most anyway. */
  stepWeights: 100,
  /** analysis.match and service.match: routing conditions. */
  matches: 50,
} as const;
