// A Canary with every default filled in, as Flagger applies them at read time.
// Nothing here writes to the cluster: the stored object keeps what the user wrote.
import { parseDuration, parseMetricInterval } from './duration.js';
import { resolveJudge, type ResolvedJudge } from './judge-spec.js';
import { DEFAULT_PROVIDER, routesByWeight } from './providers.js';
import { targetIsService } from './workloads.js';
import { strategyOf, KUBERNETES_BLUE_GREEN_ITERATIONS, type Strategy } from './strategy.js';
import type {
  Canary,
  CanaryAlert,
  CanaryAnalysis,
  CanaryMetric,
  CanaryService,
  CanaryWebhook,
  HTTPMatchRequest,
  SessionAffinity,
  WebhookType,
} from './types.js';

export const DEFAULTS = {
  provider: DEFAULT_PROVIDER,
  metricsServer: 'http://prometheus:9090',
  intervalMs: 60_000,
  threshold: 1,
  maxWeight: 100,
  progressDeadlineSeconds: 600,
  metricInterval: '1m',
  readyThreshold: 100,
  webhookTimeoutMs: 10_000,
  portName: 'http',
  sessionAffinityMaxAge: 86_400,
} as const;

/** Operator-wide settings that a Canary may override. */
export interface OperatorDefaults {
  provider?: string;
  metricsServer?: string;
}

export interface ResolvedMetric {
  name: string;
  /** As written (or "1m"): the `{{ interval }}` of a query. */
  interval: string;
  intervalMs: number;
  min?: number;
  max?: number;
  query?: string;
  templateRef?: { name: string; namespace: string };
  templateVariables: Record<string, string>;
  minRequestCount?: number;
  /** Sluice: the statistical comparison with the primary, defaults filled in. */
  judge?: ResolvedJudge;
}

export interface ResolvedWebhook {
  name: string;
  type: WebhookType;
  url: string;
  timeoutMs: number;
  retries: number;
  disableTLS: boolean;
  muteAlert: boolean;
  metadata: Record<string, string>;
}

export interface ResolvedService extends CanaryService {
  /** The apex Service name. */
  name: string;
  portName: string;
  targetPort: number | string;
}

export interface ResolvedCanary {
  name: string;
  namespace: string;
  provider: string;
  /**
   * Whose builtin queries the metrics use: the provider, or `<provider>:service` for a Service
   * target, as Flagger names it (its observer factory then falls back to Istio's for most).
   */
  metricsProvider: string;
  metricsServer: string;
  targetName: string;
  service: ResolvedService;
  strategy: Strategy;
  intervalMs: number;
  threshold: number;
  maxWeight: number;
  stepWeight: number;
  stepWeights: number[];
  stepWeightPromotion: number;
  iterations: number;
  mirrorWeight?: number;
  primaryReadyThreshold: number;
  canaryReadyThreshold: number;
  progressDeadlineSeconds: number;
  skipAnalysis: boolean;
  suspend: boolean;
  revertOnDeletion: boolean;
  match: HTTPMatchRequest[];
  metrics: ResolvedMetric[];
  webhooks: ResolvedWebhook[];
  alerts: CanaryAlert[];
  sessionAffinity?: SessionAffinity & { maxAge: number };
}

/** `analysis`, or the deprecated `canaryAnalysis` when only that is set. */
export function analysisOf(canary: Canary): CanaryAnalysis | undefined {
  return canary.spec.analysis ?? canary.spec.canaryAnalysis;
}

/** Flagger's rule: the last of stepWeights (capped at 100), else maxWeight, else 100. */
export function maxWeightOf(analysis: CanaryAnalysis | undefined): number {
  const steps = analysis?.stepWeights ?? [];
  if (steps.length > 0) return Math.min(100, steps[steps.length - 1]);
  return analysis?.maxWeight ?? DEFAULTS.maxWeight;
}

function resolveMetric(m: CanaryMetric, namespace: string): ResolvedMetric {
  const interval = m.interval ?? DEFAULTS.metricInterval;
  let { min, max } = m.thresholdRange ?? {};
  if (!m.thresholdRange && m.threshold !== undefined) {
    // Deprecated single threshold: a floor for success rate, a ceiling for everything else.
    if (m.name === 'request-success-rate') min = m.threshold;
    else max = m.threshold;
  }
  return {
    name: m.name,
    interval,
    intervalMs: parseMetricInterval(interval),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(m.query ? { query: m.query } : {}),
    ...(m.templateRef ? { templateRef: { name: m.templateRef.name, namespace: m.templateRef.namespace ?? namespace } } : {}),
    templateVariables: m.templateVariables ?? {},
    ...(m.minRequestCount !== undefined ? { minRequestCount: m.minRequestCount } : {}),
    ...(m.sluiceJudge ? { judge: resolveJudge(m.name, m.sluiceJudge) } : {}),
  };
}

function resolveWebhook(w: CanaryWebhook): ResolvedWebhook {
  return {
    name: w.name,
    type: w.type ? w.type : 'rollout',
    url: w.url,
    timeoutMs: w.timeout ? parseDuration(w.timeout) : DEFAULTS.webhookTimeoutMs,
    retries: w.retries ?? 0,
    disableTLS: w.disableTLS ?? false,
    muteAlert: w.muteAlert ?? false,
    metadata: w.metadata ?? {},
  };
}

/**
 * spec.service with its defaults. A knative Canary may have none (Knative serves its own Service):
 * it then resolves to the target's name with no port, which nothing of a knative Canary reads.
 */
function resolveService(given: CanaryService | undefined, targetName: string): ResolvedService {
  const service = given ?? { port: 0 };
  return {
    ...service,
    name: service.name ?? targetName,
    portName: service.portName ?? DEFAULTS.portName,
    targetPort: service.targetPort ?? service.port,
  };
}

/** How the analysis advances: its pace, weights, iterations and the readiness it waits for. */
type Steps = Pick<
  ResolvedCanary,
  | 'intervalMs'
  | 'threshold'
  | 'maxWeight'
  | 'stepWeight'
  | 'stepWeights'
  | 'stepWeightPromotion'
  | 'iterations'
  | 'mirrorWeight'
  | 'primaryReadyThreshold'
  | 'canaryReadyThreshold'
>;

/** The analysis' iterations; a provider that cannot route by weight runs blue/green's default count. */
function iterationsOf(analysis: CanaryAnalysis | undefined, provider: string): number {
  const iterations = analysis?.iterations ?? 0;
  return !routesByWeight(provider) && iterations === 0 ? KUBERNETES_BLUE_GREEN_ITERATIONS : iterations;
}

function resolveSteps(analysis: CanaryAnalysis | undefined, provider: string): Steps {
  return {
    intervalMs: analysis?.interval ? parseDuration(analysis.interval) : DEFAULTS.intervalMs,
    threshold: analysis?.threshold ?? DEFAULTS.threshold,
    maxWeight: maxWeightOf(analysis),
    stepWeight: analysis?.stepWeight ?? 0,
    stepWeights: analysis?.stepWeights ?? [],
    stepWeightPromotion: analysis?.stepWeightPromotion ?? 0,
    iterations: iterationsOf(analysis, provider),
    ...(analysis?.mirrorWeight !== undefined ? { mirrorWeight: analysis.mirrorWeight } : {}),
    primaryReadyThreshold: analysis?.primaryReadyThreshold ?? DEFAULTS.readyThreshold,
    canaryReadyThreshold: analysis?.canaryReadyThreshold ?? DEFAULTS.readyThreshold,
  };
}

/** What each step checks and whom it tells: match rules, metrics, webhooks, alerts, session affinity. */
type Checks = Pick<ResolvedCanary, 'match' | 'metrics' | 'webhooks' | 'alerts' | 'sessionAffinity'>;

function resolveChecks(analysis: CanaryAnalysis | undefined, strategy: Strategy, namespace: string): Checks {
  const affinity = analysis?.sessionAffinity;
  return {
    match: strategy.kind === 'ab-testing' ? (analysis?.match ?? []) : [],
    metrics: (analysis?.metrics ?? []).map((m) => resolveMetric(m, namespace)),
    webhooks: (analysis?.webhooks ?? []).map(resolveWebhook),
    alerts: analysis?.alerts ?? [],
    ...(affinity ? { sessionAffinity: { ...affinity, maxAge: affinity.maxAge ?? DEFAULTS.sessionAffinityMaxAge } } : {}),
  };
}

/**
 * Fills in every default. Call it on a validated Canary: a malformed duration throws.
 */
export function resolveCanary(canary: Canary, operator: OperatorDefaults = {}): ResolvedCanary {
  const { spec, metadata } = canary;
  const namespace = metadata.namespace ?? 'default';
  const provider = spec.provider ?? operator.provider ?? DEFAULTS.provider;
  const analysis = analysisOf(canary);
  const strategy = strategyOf(provider, analysis);
  return {
    name: metadata.name ?? '',
    namespace,
    provider,
    metricsProvider: targetIsService(spec.targetRef) ? `${provider}:service` : provider,
    metricsServer: spec.metricsServer ?? operator.metricsServer ?? DEFAULTS.metricsServer,
    targetName: spec.targetRef.name,
    service: resolveService(spec.service, spec.targetRef.name),
    strategy,
    ...resolveSteps(analysis, provider),
    progressDeadlineSeconds: spec.progressDeadlineSeconds ?? DEFAULTS.progressDeadlineSeconds,
    // Flagger skips the analysis when there is none to run.
    skipAnalysis: spec.skipAnalysis === true || analysis === undefined,
    suspend: spec.suspend === true,
    revertOnDeletion: spec.revertOnDeletion === true,
    ...resolveChecks(analysis, strategy, namespace),
  };
}
