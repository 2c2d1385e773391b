// The flagger.app/v1beta1 API as Sluice serves it: Canary, MetricTemplate, AlertProvider.
// Field names and meanings follow Flagger 1.x so existing manifests work unchanged;
// fields Sluice adds are marked "Sluice:".

export const API_GROUP = 'flagger.app';
export const API_VERSION = 'v1beta1';
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  finalizers?: string[];
  deletionTimestamp?: string;
  [extra: string]: unknown;
}

export interface CrossNamespaceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface AutoscalerRef extends CrossNamespaceRef {
  primaryScalerQueries?: Record<string, string>;
  primaryScalerReplicas?: { minReplicas?: number; maxReplicas?: number };
}

export interface StringMatch {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
}

/** An Istio HTTPMatchRequest subset, used by analysis.match (A/B) and service.match. */
export interface HTTPMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  port?: number;
  ignoreUriCase?: boolean;
  [extra: string]: unknown;
}

export interface CustomMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface GatewayRef {
  name: string;
  namespace?: string;
  group?: string;
  kind?: string;
  sectionName?: string;
  port?: number;
}

export interface CanaryService {
  name?: string;
  port: number;
  portName?: string;
  targetPort?: number | string;
  appProtocol?: string;
  trafficDistribution?: 'PreferClose' | 'PreferSameZone' | 'PreferSameNode';
  portDiscovery?: boolean;
  headless?: boolean;
  timeout?: string;
  backendTimeout?: string;
  gateways?: string[];
  gatewayRefs?: GatewayRef[];
  hosts?: string[];
  delegation?: boolean;
  trafficPolicy?: Record<string, unknown>;
  match?: HTTPMatchRequest[];
  rewrite?: { uri?: string; authority?: string; type?: string };
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
  headers?: Record<string, unknown>;
  mirror?: unknown[];
  corsPolicy?: Record<string, unknown>;
  meshName?: string;
  backends?: string[];
  apex?: CustomMetadata;
  primary?: CustomMetadata;
  canary?: CustomMetadata;
  unmanagedMetadata?: { annotations?: string[]; labels?: string[] };
}

export interface CanaryThresholdRange {
  min?: number;
  max?: number;
}

export interface CanaryMetric {
  name: string;
  interval?: string;
  /** Deprecated in Flagger: min for request-success-rate, max for everything else. */
  threshold?: number;
  thresholdRange?: CanaryThresholdRange;
  /** Deprecated in Flagger: an inline PromQL query. */
  query?: string;
  templateRef?: { name: string; namespace?: string };
  templateVariables?: Record<string, string>;
  /** Sluice: below this many requests in the interval the check neither passes nor fails. */
  minRequestCount?: number;
  /** Sluice: judge the canary's samples against the primary's (Mann-Whitney U), see docs/judge.md. */
  sluiceJudge?: MetricJudgeSpec;
}

export const JUDGE_DIRECTIONS = ['increase', 'decrease', 'either'] as const;

/** Sluice: the statistical comparison of one metric between canary and primary. */
export interface MetricJudgeSpec {
  /** Which change is a regression. Default: increase for request-duration, decrease for request-success-rate, else either. */
  direction?: (typeof JUDGE_DIRECTIONS)[number];
  /** Percent (default 98, Kayenta's): a difference counts when p < 1 - confidence/100. */
  confidence?: number;
  /** The shift tolerated in the bad direction: a fraction of the primary's median, or an amount. Default: none. */
  tolerance?: { ratio?: number; absolute?: number };
  /** Sample step of the range queries (default 10s); each sample covers one step. */
  step?: string;
  /** Fewer samples than this on either side is "no data" (default 10). */
  minSamples?: number;
}

export const WEBHOOK_TYPES = [
  'confirm-rollout',
  'pre-rollout',
  'rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'post-rollout',
  'rollback',
  'event',
] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export interface CanaryWebhook {
  name: string;
  /** Empty or absent means "rollout". */
  type?: WebhookType | '';
  url: string;
  timeout?: string;
  retries?: number;
  disableTLS?: boolean;
  muteAlert?: boolean;
  metadata?: Record<string, string>;
}

export const ALERT_SEVERITIES = ['info', 'warn', 'error'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface CanaryAlert {
  name: string;
  severity?: AlertSeverity | '';
  providerRef: { name: string; namespace?: string };
}

export interface SessionAffinity {
  cookieName: string;
  primaryCookieName?: string;
  domain?: string;
  httpOnly?: boolean;
  maxAge?: number;
  partitioned?: boolean;
  path?: string;
  sameSite?: 'Strict' | 'Lax' | 'None';
  secure?: boolean;
}

export interface CanaryAnalysis {
  interval?: string;
  iterations?: number;
  mirror?: boolean;
  mirrorWeight?: number;
  maxWeight?: number;
  stepWeight?: number;
  stepWeights?: number[];
  stepWeightPromotion?: number;
  threshold?: number;
  primaryReadyThreshold?: number;
  canaryReadyThreshold?: number;
  alerts?: CanaryAlert[];
  metrics?: CanaryMetric[];
  webhooks?: CanaryWebhook[];
  match?: HTTPMatchRequest[];
  sessionAffinity?: SessionAffinity;
}

export interface CanarySpec {
  provider?: string;
  metricsServer?: string;
  targetRef: CrossNamespaceRef;
  autoscalerRef?: AutoscalerRef;
  ingressRef?: CrossNamespaceRef;
  routeRef?: CrossNamespaceRef;
  upstreamRef?: CrossNamespaceRef;
  /** Gloo Mesh's delegating RouteTable (networking.gloo.solo.io/v2); apiVersion and kind may be left out. */
  routeTableRef?: Partial<CrossNamespaceRef> & { name: string };
  service: CanaryService;
  analysis?: CanaryAnalysis;
  /** Deprecated Flagger name of `analysis`. */
  canaryAnalysis?: CanaryAnalysis;
  progressDeadlineSeconds?: number;
  skipAnalysis?: boolean;
  suspend?: boolean;
  revertOnDeletion?: boolean;
}

export const CANARY_PHASES = [
  '',
  'Initializing',
  'Initialized',
  'Waiting',
  'Progressing',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
  'Succeeded',
  'Failed',
  'Terminating',
  'Terminated',
] as const;
export type CanaryPhase = (typeof CANARY_PHASES)[number];

export interface CanaryCondition {
  /**
   * Promoted is Flagger's. Stalled is Sluice's: status True when the spec cannot be carried out
   * as written (reason InvalidSpec or ReferenceNotFound); gone once a reconcile succeeds.
   */
  type: 'Promoted' | 'Stalled';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** Sluice: the last verdict of one metric, kept so `kubectl get -o yaml` explains a halt. */
export interface MetricCheckStatus {
  name: string;
  result: 'pass' | 'fail' | 'nodata' | 'error';
  value?: number;
  min?: number;
  max?: number;
  message?: string;
  checkedAt: string;
  /** Sluice: the statistical judge's comparison, for a metric with sluiceJudge. */
  judge?: JudgeStatus;
}

export interface JudgeStatus {
  classification: 'pass' | 'high' | 'low' | 'nodata' | 'error';
  canaryMedian?: number;
  primaryMedian?: number;
  /** Hodges-Lehmann shift, canary minus primary. */
  shift?: number;
  /** The shift as a fraction of the primary's median. */
  relativeShift?: number;
  pValue?: number;
  canarySamples?: number;
  primarySamples?: number;
  message?: string;
}

export interface CanaryStatus {
  phase?: CanaryPhase;
  failedChecks?: number;
  canaryWeight?: number;
  iterations?: number;
  trackedConfigs?: Record<string, string>;
  lastAppliedSpec?: string;
  lastPromotedSpec?: string;
  lastTransitionTime?: string;
  sessionAffinityCookie?: string;
  previousSessionAffinityCookie?: string;
  primarySessionAffinityCookie?: string;
  conditions?: CanaryCondition[];
  /** Sluice: generation of the spec this status was computed from. */
  observedGeneration?: number;
  /** Sluice: last verdict of every metric check. */
  metrics?: MetricCheckStatus[];
  /** Sluice: when the current analysis step last ran, for resuming after a restart. */
  lastAnalysisTime?: string;
  /** Sluice: the canary receives a mirrored copy of traffic (mirroring strategies). */
  mirrored?: boolean;
  /**
   * Sluice: a new analysis whose first step has not run yet. That step waits for the scaled-up
   * canary only, not for the interval (rollout/decide/pacing.ts); once any check has run it is unset.
   */
  firstStepPending?: boolean;
  /**
   * Sluice: the Events of the last status change, written with it, so a controller killed before
   * it recorded them records them after its restart (each step said exactly once).
   */
  pendingEvents?: { at: string; events: { type: 'Normal' | 'Warning'; message: string }[] };
  /** Sluice: the last promote/abort/retry command tokens carried out, so none runs twice. */
  commands?: { abort?: string; promote?: string; retry?: string };
}

export interface Canary {
  apiVersion: typeof GROUP_VERSION;
  kind: 'Canary';
  metadata: ObjectMeta;
  spec: CanarySpec;
  status?: CanaryStatus;
}

export interface MetricTemplateProvider {
  type?: string;
  address?: string;
  /** Flagger's http.Header: a list of values per header; Sluice also takes a single string. */
  headers?: Record<string, string | string[]>;
  secretRef?: { name: string };
  region?: string;
  insecureSkipVerify?: boolean;
}

export interface MetricTemplate {
  apiVersion: typeof GROUP_VERSION;
  kind: 'MetricTemplate';
  metadata: ObjectMeta;
  spec: { provider: MetricTemplateProvider; query: string };
}

export const ALERT_PROVIDER_TYPES = ['slack', 'msteams', 'discord', 'rocket', 'gchat'] as const;
export type AlertProviderType = (typeof ALERT_PROVIDER_TYPES)[number];

export interface AlertProvider {
  apiVersion: typeof GROUP_VERSION;
  kind: 'AlertProvider';
  metadata: ObjectMeta;
  spec: {
    type: AlertProviderType;
    channel?: string;
    username?: string;
    address?: string;
    proxy?: string;
    secretRef?: { name: string };
  };
}

export type FlaggerObject = Canary | MetricTemplate | AlertProvider;
