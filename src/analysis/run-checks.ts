// One analysis tick's metric checks: every metric of a Canary, queried and judged. The I/O
// (Prometheus, MetricTemplates, Secrets) comes in as `deps`, so the controller passes the
// real ones, the CLI passes files or the cluster, and unit tests pass fakes.
import type { ResolvedCanary, ResolvedMetric } from '../api/defaults.js';
import type { Canary, MetricTemplate } from '../api/types.js';
import {
  isMetricBackendType,
  type BackendClient,
  type BackendSettings,
  type KubeAccess,
  type ManySeriesRule,
  type MetricBackendType,
} from './backends/backend.js';
import { METRIC_BACKENDS } from './backends/table.js';
import { builtinFamily, isBuiltinMetric, renderBuiltinQuery } from './builtin-queries.js';
import {
  PrometheusClient,
  MetricsProviderError,
  type MetricsQuerier,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_QUERY_RESPONSE_BYTES,
  displayAddress,
} from './prometheus.js';
import { readingOf, type Reading } from './reading.js';
import { renderQuery, type QueryModel } from './template.js';
import { parseMetricInterval } from '../api/duration.js';
import { judge, type MetricKind, type Verdict } from './verdict.js';
import type { ResolvedJudge } from '../api/judge-spec.js';
import { judgeSamples } from './judge/classify.js';
import { fetchSamples, rangeOf } from './judge/samples.js';
import { showerOf, withComparison, type Comparison } from './judge/verdict.js';
import { PRIMARY_SUFFIX } from '../synth/names.js';

/** How to talk to one Prometheus: a MetricTemplate's provider headers, TLS setting and secretRef credentials. */
export interface PrometheusAuth {
  readonly bearerToken?: string;
  readonly username?: string;
  readonly password?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly insecureSkipVerify?: boolean;
}

export interface TemplateRef {
  readonly name: string;
  readonly namespace: string;
}

export interface MetricCheckDeps {
  /** A querier for one address; may throw MetricsProviderError for an unusable address. */
  prometheusFor(address: string, auth: PrometheusAuth): MetricsQuerier;
  /** Rejects (with a message naming it) when the template does not exist. */
  getTemplate(ref: TemplateRef): Promise<MetricTemplate>;
  /** The secret's data, decoded. Rejects when it does not exist. */
  getSecret(namespace: string, name: string): Promise<Record<string, string>>;
  /** A client of a backend other than Prometheus. @default connectBackend (the real ones) */
  backendFor?(type: MetricBackendType, settings: BackendSettings): BackendClient;
  /** The Kubernetes API, for the keptn and externalmetrics backends. */
  readonly kube?: KubeAccess;
  /** Where cloud credentials come from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default Date.now */
  readonly now?: () => number;
  /** Per exchange. @default DEFAULT_QUERY_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** The real client of a backend, from the table. Throws MetricsProviderError for unusable settings. */
export function connectBackend(type: MetricBackendType, settings: BackendSettings): BackendClient {
  return METRIC_BACKENDS[type].connect(settings);
}

/** The names behind `{{ ingress }}` and `{{ route }}`; both default to the target's name. */
export interface CanaryRefNames {
  readonly ingress?: string;
  readonly route?: string;
}

export interface MetricVerdict extends Verdict {
  /** The PromQL that ran, as rendered (absent when it could not be rendered). */
  readonly query?: string;
  /** The Prometheus it ran against, without credentials. */
  readonly address?: string;
  /** With minRequestCount: the requests counted in the metric's interval. */
  readonly requestCount?: number;
}

/** ingressRef and routeRef names of a Canary, which ResolvedCanary does not carry. */
export function refNamesOf(canary: Canary): CanaryRefNames {
  return {
    ...(canary.spec.ingressRef?.name ? { ingress: canary.spec.ingressRef.name } : {}),
    ...(canary.spec.routeRef?.name ? { route: canary.spec.routeRef.name } : {}),
  };
}

/** `prometheusFor` backed by the real client: each query within `timeoutMs`, its answer within `maxResponseBytes`. */
export function prometheusClients(timeoutMs = DEFAULT_QUERY_TIMEOUT_MS, maxResponseBytes = DEFAULT_QUERY_RESPONSE_BYTES): MetricCheckDeps['prometheusFor'] {
  return (address, auth) => new PrometheusClient({ address, ...auth, timeoutMs, maxResponseBytes });
}

/** Runs every metric of the canary at once; verdicts come back in the order of the metrics. */
export async function runMetricChecks(resolved: ResolvedCanary, deps: MetricCheckDeps, refs: CanaryRefNames = {}): Promise<MetricVerdict[]> {
  return Promise.all(resolved.metrics.map((metric) => checkMetric(resolved, metric, deps, refs)));
}

/** What to run for one metric, or why it cannot run. */
type Plan =
  | {
      readonly ok: true;
      readonly kind: MetricKind;
      readonly query: string;
      readonly address: string;
      readonly auth: PrometheusAuth;
      readonly toJudged: (value: number) => number;
      /** How the backend reads an answer of several series, as Flagger's provider does. */
      readonly manySeries: ManySeriesRule;
      /** A backend other than Prometheus: connects it (and may throw, as prometheusFor may). */
      readonly connect?: () => MetricsQuerier;
      /** Prometheus: the query for another model (the judge's primary and per-step forms). */
      readonly renderFor?: (model: QueryModel) => string;
    }
  | { readonly ok: false; readonly kind: MetricKind; readonly message: string; readonly query?: string };

async function checkMetric(resolved: ResolvedCanary, metric: ResolvedMetric, deps: MetricCheckDeps, refs: CanaryRefNames): Promise<MetricVerdict> {
  const model = queryModelOf(resolved, metric, refs);
  const plan = await planOf(resolved, metric, model, deps);
  const subject = {
    canaryName: resolved.name,
    namespace: resolved.namespace,
    targetName: resolved.targetName,
    provider: resolved.provider,
    metricName: metric.name,
    kind: plan.kind,
    ...(metric.min !== undefined ? { min: metric.min } : {}),
    ...(metric.max !== undefined ? { max: metric.max } : {}),
  };
  if (!plan.ok) {
    return withQuery(judge(subject, { kind: 'error', stage: 'template', message: plan.message }), plan.query);
  }
  let querier: MetricsQuerier;
  try {
    querier = plan.connect ? plan.connect() : deps.prometheusFor(plan.address, plan.auth);
  } catch (err) {
    return withQuery(judge(subject, { kind: 'error', stage: 'query', message: errorText(err) }), plan.query);
  }
  const [reading, requestCount, comparison] = await Promise.all([
    runQuery(querier, plan.query, plan.manySeries).then((r) => (r.kind === 'value' ? { ...r, value: plan.toJudged(r.value) } : r)),
    metric.minRequestCount !== undefined ? countRequests(resolved, model, deps) : Promise.resolve(undefined),
    metric.judge ? compareWithPrimary(resolved, metric.judge, metric.intervalMs, model, plan, querier, deps) : Promise.resolve(undefined),
  ]);
  let judged: Reading = reading;
  if (requestCount !== undefined && metric.minRequestCount !== undefined) {
    if (requestCount.kind === 'error') judged = requestCount;
    else if (requestCount.count < metric.minRequestCount) {
      judged = { kind: 'too-few-requests', requests: requestCount.count, minimum: metric.minRequestCount, interval: metric.interval };
    }
  }
  const thresholdVerdict = judge(subject, judged);
  return {
    ...(comparison ? withComparison(thresholdVerdict, comparison, `${resolved.name}.${resolved.namespace}`) : thresholdVerdict),
    query: plan.query,
    address: querier.address ?? displayAddress(plan.address),
    ...(requestCount?.kind === 'count' ? { requestCount: requestCount.count } : {}),
  };
}

function withQuery(verdict: Verdict, query: string | undefined): MetricVerdict {
  return query === undefined ? verdict : { ...verdict, query };
}

export function queryModelOf(resolved: ResolvedCanary, metric: ResolvedMetric, refs: CanaryRefNames = {}): QueryModel {
  return {
    name: resolved.name,
    namespace: resolved.namespace,
    target: resolved.targetName,
    service: resolved.service.name,
    ingress: refs.ingress ?? resolved.targetName,
    route: refs.route ?? resolved.targetName,
    interval: metric.interval,
    variables: metric.templateVariables,
  };
}

async function planOf(resolved: ResolvedCanary, metric: ResolvedMetric, model: QueryModel, deps: MetricCheckDeps): Promise<Plan> {
  const same = (v: number) => v;
  const manySeries = METRIC_BACKENDS.prometheus.manySeries;
  if (metric.templateRef) return planTemplate(resolved, metric.templateRef, model, deps);
  if (metric.query) {
    // Flagger runs a legacy inline query as written, against the canary's Prometheus.
    return { ok: true, kind: 'custom', query: metric.query, address: resolved.metricsServer, auth: {}, toJudged: same, manySeries };
  }
  if (isBuiltinMetric(metric.name)) {
    try {
      const query = renderBuiltinQuery(resolved.metricsProvider, metric.name, model);
      const seconds = metric.name === 'request-duration' && builtinFamily(resolved.metricsProvider).durationUnit === 's';
      const name = metric.name;
      return {
        ok: true,
        kind: name,
        query,
        address: resolved.metricsServer,
        auth: {},
        toJudged: seconds ? (v) => v * 1000 : same,
        manySeries,
        renderFor: (m) => renderBuiltinQuery(resolved.metricsProvider, name, m),
      };
    } catch (err) {
      return { ok: false, kind: metric.name, message: errorText(err) };
    }
  }
  return {
    ok: false,
    kind: 'custom',
    message: `metric ${JSON.stringify(metric.name)} is not builtin (request-success-rate, request-duration) and has neither query nor templateRef`,
  };
}

async function planTemplate(resolved: ResolvedCanary, ref: TemplateRef, model: QueryModel, deps: MetricCheckDeps): Promise<Plan> {
  const fail = (message: string, query?: string): Plan => ({ ok: false, kind: 'custom', message, ...(query ? { query } : {}) });
  const where = `MetricTemplate ${ref.namespace}/${ref.name}`;
  let template: MetricTemplate;
  try {
    template = await deps.getTemplate(ref);
  } catch (err) {
    return fail(`${where}: ${errorText(err)}`);
  }
  const provider = template.spec?.provider ?? {};
  const unsupported = unsupportedProvider(provider.type);
  if (unsupported) return fail(`${where}: ${unsupported}`);
  let query: string;
  try {
    query = renderQuery(template.spec.query, model);
  } catch (err) {
    return fail(`${where}: ${errorText(err)}`);
  }
  const type = backendTypeOf(provider.type);
  if (type !== 'prometheus') {
    let settings: BackendSettings;
    try {
      settings = await backendSettingsOf(template, ref, deps, metricIntervalMs(model));
    } catch (err) {
      return fail(`${where}: ${errorText(err)}`, query);
    }
    const connect = deps.backendFor ?? connectBackend;
    return {
      ok: true,
      kind: 'custom',
      query,
      address: settings.address ?? METRIC_BACKENDS[type].defaultAddress ?? '',
      auth: {},
      toJudged: (v) => v,
      manySeries: METRIC_BACKENDS[type].manySeries,
      connect: () => connect(type, settings),
    };
  }
  let auth: PrometheusAuth = {
    ...(provider.headers ? { headers: provider.headers } : {}),
    ...(provider.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
  };
  if (provider.secretRef?.name) {
    const secretNamespace = template.metadata?.namespace ?? ref.namespace;
    try {
      const secret = await deps.getSecret(secretNamespace, provider.secretRef.name);
      auth = { ...auth, ...credentialsOf(secret, `secret ${secretNamespace}/${provider.secretRef.name}`) };
    } catch (err) {
      return fail(`${where}: ${errorText(err)}`, query);
    }
  }
  const address = provider.address || resolved.metricsServer;
  return {
    ok: true,
    kind: 'custom',
    query,
    address,
    auth,
    toJudged: (v) => v,
    manySeries: METRIC_BACKENDS.prometheus.manySeries,
    renderFor: (m) => renderQuery(template.spec.query, m),
  };
}

/** Flagger's secret keys: `token` (Bearer), else `username` and `password` (basic auth). */
function credentialsOf(secret: Record<string, string>, what: string): PrometheusAuth {
  if (secret.token) return { bearerToken: secret.token };
  if (secret.username && secret.password) return { username: secret.username, password: secret.password };
  throw new Error(`${what} has neither a token nor a username and password`);
}

/** An unknown provider type is refused by name, never tried as Prometheus (Flagger falls back to it). */
export function unsupportedProvider(type: string | undefined): string | undefined {
  if (type === undefined || type === '' || isMetricBackendType(type)) return undefined;
  return `unknown provider type ${JSON.stringify(type)}: use one of ${Object.keys(METRIC_BACKENDS).join(', ')}`;
}

/** The backend of a provider type that unsupportedProvider accepted (empty means prometheus). */
export function backendTypeOf(type: string | undefined): MetricBackendType {
  return isMetricBackendType(type) ? type : 'prometheus';
}

function metricIntervalMs(model: QueryModel): number {
  try {
    return parseMetricInterval(model.interval);
  } catch {
    return 60_000; // resolveCanary has parsed it already; a template-only caller may pass anything
  }
}

/**
 * What a non-Prometheus backend needs from a MetricTemplate: its provider fields, its secret
 * (read from the template's namespace, decoded) and the metric's interval.
 */
export async function backendSettingsOf(template: MetricTemplate, ref: TemplateRef, deps: MetricCheckDeps, intervalMs: number): Promise<BackendSettings> {
  const provider = template.spec?.provider ?? {};
  let secret: Record<string, string> | undefined;
  if (provider.secretRef?.name) {
    secret = await deps.getSecret(template.metadata?.namespace ?? ref.namespace, provider.secretRef.name);
  }
  return {
    ...(provider.address ? { address: provider.address } : {}),
    ...(secret ? { secret } : {}),
    ...(provider.headers ? { headers: provider.headers } : {}),
    ...(provider.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    ...(provider.region ? { region: provider.region } : {}),
    intervalMs,
    timeoutMs: deps.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    maxResponseBytes: DEFAULT_QUERY_RESPONSE_BYTES,
    now: deps.now ?? Date.now,
    env: deps.env ?? process.env,
    ...(deps.kube ? { kube: deps.kube } : {}),
  };
}

/**
 * The judge's comparison: the metric's query rendered for the canary (`{{ target }}` = the
 * target) and for the primary (`<target>-primary`), each with `{{ interval }}` = the step, as
 * range queries over the same interval, then the test.
 */
async function compareWithPrimary(
  resolved: ResolvedCanary,
  settings: ResolvedJudge,
  intervalMs: number,
  model: QueryModel,
  plan: Extract<Plan, { ok: true }>,
  querier: MetricsQuerier,
  deps: MetricCheckDeps,
): Promise<Comparison> {
  if (!plan.renderFor) return { classification: 'error', reason: 'sluiceJudge needs a Prometheus metric (range queries)' };
  const perStep = { ...model, interval: settings.step };
  let canaryQuery: string;
  let primaryQuery: string;
  try {
    canaryQuery = plan.renderFor(perStep);
    primaryQuery = plan.renderFor({ ...perStep, target: `${resolved.targetName}${PRIMARY_SUFFIX}` });
  } catch (err) {
    return { classification: 'error', reason: errorText(err) };
  }
  if (canaryQuery === primaryQuery) {
    return { classification: 'error', reason: 'the query is the same for canary and primary: it must select the workload with {{ target }}' };
  }
  const range = rangeOf((deps.now ?? Date.now)(), intervalMs, settings.stepMs);
  const [canary, primary] = await Promise.all([
    fetchSamples(querier, canaryQuery, range, plan.toJudged),
    fetchSamples(querier, primaryQuery, range, plan.toJudged),
  ]);
  if (canary.kind === 'error') return { classification: 'error', reason: `canary: ${canary.message}` };
  if (primary.kind === 'error') return { classification: 'error', reason: `primary: ${primary.message}` };
  return judgeSamples(canary.values, primary.values, settings, showerOf(plan.kind));
}

async function runQuery(querier: MetricsQuerier, query: string, manySeries: ManySeriesRule): Promise<Reading> {
  try {
    return readingOf(await querier.query(query), manySeries);
  } catch (err) {
    return { kind: 'error', stage: 'query', message: errorText(err) };
  }
}

type RequestCount = { readonly kind: 'count'; readonly count: number } | Extract<Reading, { kind: 'error' }>;

/**
 * The canary's requests in the metric's interval, from the provider's builtin request count on
 * the canary's Prometheus, also for template metrics: the traffic is the canary's either way.
 */
async function countRequests(resolved: ResolvedCanary, model: QueryModel, deps: MetricCheckDeps): Promise<RequestCount> {
  let query: string;
  try {
    query = renderBuiltinQuery(resolved.metricsProvider, 'request-count', model);
  } catch (err) {
    return { kind: 'error', stage: 'template', message: errorText(err) };
  }
  let reading: Reading;
  try {
    reading = await runQuery(deps.prometheusFor(resolved.metricsServer, {}), query, METRIC_BACKENDS.prometheus.manySeries);
  } catch (err) {
    reading = { kind: 'error', stage: 'query', message: errorText(err) };
  }
  switch (reading.kind) {
    case 'value':
      return { kind: 'count', count: reading.value };
    case 'no-values':
      return { kind: 'count', count: 0 };
    case 'error':
      return { ...reading, message: `counting requests for minRequestCount: ${reading.message}` };
    case 'ambiguous':
      return { kind: 'error', stage: 'query', message: `counting requests for minRequestCount: ${reading.detail}` };
    default:
      return { kind: 'error', stage: 'query', message: `counting requests for minRequestCount: unexpected ${reading.kind}` };
  }
}

function errorText(err: unknown): string {
  if (err instanceof MetricsProviderError || err instanceof Error) return err.message;
  return String(err);
}
