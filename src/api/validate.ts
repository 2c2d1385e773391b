// Validation of Canary, MetricTemplate and AlertProvider documents. Each rule is a small
// named function returning the problems it finds, each naming its field path; a validator
// runs all of them and returns every problem at once.
import { formatDuration, isDuration, MAX_DURATION_MS, parseDuration, parseMetricInterval } from './duration.js';
import { DEFAULTS } from './defaults.js';
import { CANARY_LIMITS, MAX_WEBHOOK_TIMEOUT_MS } from './limits.js';
import { type Problem, problem, childPath, quote } from './problem.js';
import { checkStructure, isMoreEntries } from './structural-check.js';
import { unsupportedMatchProblems } from './match-support.js';
import { canarySchema } from './schemas/canary.js';
import { metricTemplateSchema } from './schemas/metric-template.js';
import { alertProviderSchema } from './schemas/alert-provider.js';
import { capabilitiesOf, isSupportedProvider, providerEntry, retiredProviderReason, routesByWeight, DEFAULT_PROVIDER } from './providers.js';
import { AUTOSCALER_KINDS, targetEntryOf, targetKindOf, type AutoscalerKindName, type WorkloadKind } from './workloads.js';
import { GROUP_VERSION, type Canary, type CanaryAnalysis, type CanaryMetric, type MetricTemplate, type AlertProvider } from './types.js';
import { METRIC_BACKEND_TYPES, isMetricBackendType, type MetricBackendType } from '../analysis/backends/backend.js';
import { parseKeptnQuery } from '../analysis/backends/keptn.js';
import { parseExternalMetricQuery } from '../analysis/backends/external-metrics.js';
import { judgeProblems } from './judge-spec.js';
import { knativeProblems, serviceProblems } from './knative-rules.js';

export const BUILTIN_METRICS = ['request-success-rate', 'request-duration'] as const;

type Rule<T> = (doc: T) => Problem[];

function isHttpUrl(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

const urlProblem = (path: string, value: unknown): Problem[] =>
  value === undefined || isHttpUrl(value) ? [] : [problem(path, `must be an http(s) URL, got ${quote(value)}`)];

const durationProblem = (path: string, value: unknown, positive = false, maxMs?: number): Problem[] => {
  if (value === undefined) return [];
  if (!isDuration(value)) return [problem(path, `invalid duration ${quote(value)}: use Go syntax such as 30s, 1m or 1h30m`)];
  if (parseDuration(value as string) > MAX_DURATION_MS)
    return [problem(path, `must be at most ${formatDuration(MAX_DURATION_MS)} (Go's longest duration), got ${quote(value)}`)];
  if (positive && parseDuration(value as string) <= 0) return [problem(path, `must be greater than 0, got ${quote(value)}`)];
  if (maxMs !== undefined && parseDuration(value as string) > maxMs) return [problem(path, `must be at most ${formatDuration(maxMs)}, got ${quote(value)}`)];
  return [];
};

/** "1min", "30sec": Graphite's offsets, which Flagger's Graphite examples use for a metric's interval. */
const GRAPHITE_STYLE_INTERVAL = /^[1-9][0-9]*(sec|secs|second|seconds|min|mins|minute|minutes|hour|hours|day|days)$/;

const percent = (path: string, value: number | undefined, min = 0): Problem[] =>
  value === undefined || (value >= min && value <= 100) ? [] : [problem(path, `must be between ${min} and 100, got ${value}`)];

/**
 * A list's first `max` items, the only ones a rule looks at: past its bound the structural check
 * refuses the list whole and drops its items' problems, so 100,000 metrics need not cost 100,000
 * checks.
 */
const upTo = <T>(list: readonly T[] | undefined, max: number): readonly T[] => (Array.isArray(list) ? list.slice(0, max) : []);

const duplicates = (path: string, names: (string | undefined)[]): Problem[] => {
  const seen = new Set<string>();
  return names.flatMap((name, i) => {
    if (name === undefined) return [];
    if (seen.has(name)) return [problem(`${path}[${i}].name`, `duplicate name ${quote(name)}`)];
    seen.add(name);
    return [];
  });
};

/** metadata.name and metadata.namespace, which the CRD schemas leave to the apiserver. */
function nameProblems(metadata: unknown): Problem[] {
  const meta = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Record<string, unknown>;
  const out: Problem[] = [];
  if (meta.name === undefined || meta.name === '') out.push(problem('metadata.name', 'is required'));
  else if (typeof meta.name !== 'string') out.push(problem('metadata.name', `must be a string, got ${quote(meta.name)}`));
  if (meta.namespace !== undefined && typeof meta.namespace !== 'string')
    out.push(problem('metadata.namespace', `must be a string, got ${quote(meta.namespace)}`));
  return out;
}

// ---------------------------------------------------------------- Canary

interface CanaryView {
  canary: Canary;
  /** Path of the analysis block actually in use ("spec.analysis" or the deprecated one). */
  analysisPath: string;
  analysis: CanaryAnalysis | undefined;
  provider: string;
}

const needsName: Rule<CanaryView> = ({ canary }) => nameProblems(canary.metadata);

const apiVersionIsFlagger: Rule<CanaryView> = ({ canary }) =>
  canary.apiVersion === GROUP_VERSION ? [] : [problem('apiVersion', `must be ${GROUP_VERSION}, got ${quote(canary.apiVersion)}`)];

// targetRef and autoscalerRef apiVersions Flagger ignores are warnings (warnings.ts), not problems.

const providerNeedsItsRefs: Rule<CanaryView> = ({ canary, provider }) =>
  (providerEntry(provider)?.requires ?? [])
    .filter(({ path }) => isMissing(valueAt(canary, path)))
    .map(({ path, why }) => problem(path, `is required when provider is ${provider} (${why})`));

/**
 * Flagger reads the delegating RouteTable in `routeTableRef.namespace` but creates the delegate in the
 * Canary's namespace, with a Canary ownerReference: it works only when the two are one namespace.
 */
const routeTableInCanaryNamespace: Rule<CanaryView> = ({ canary, provider }) => {
  const ref = canary.spec.routeTableRef;
  const own = canary.metadata?.namespace ?? 'default';
  if (provider !== 'gloo-mesh' || !ref?.namespace || ref.namespace === own) return [];
  return [
    problem(
      'spec.routeTableRef.namespace',
      `must be the Canary's namespace ${quote(own)}, got ${quote(ref.namespace)}: the delegate RouteTable is written there, owned by the Canary`,
    ),
  ];
};

/** The value at a dotted path such as `spec.service.gatewayRefs`. */
function valueAt(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), doc);
}

const isMissing = (v: unknown) => (Array.isArray(v) ? v.length === 0 : !v);

/** Combinations of target and autoscaler that no controller could carry out. */
const targetAndAutoscaler: Rule<CanaryView> = ({ canary }) => {
  const out: Problem[] = [];
  const target = canary.spec.targetRef;
  const scaler = canary.spec.autoscalerRef;
  const targetKind = targetKindOf(target);
  const entry = targetEntryOf(target);
  if (scaler && entry && !entry.scalable) {
    const why = entry.copies === 'service' ? 'it has no pods of its own' : 'it runs one pod per matching node';
    out.push(problem('spec.autoscalerRef', `cannot scale a ${targetKind}: ${why}; remove autoscalerRef or target a Deployment`));
  }
  const replicas = scaler?.primaryScalerReplicas;
  if (replicas?.minReplicas !== undefined && replicas.maxReplicas !== undefined && replicas.minReplicas > replicas.maxReplicas) {
    out.push(
      problem('spec.autoscalerRef.primaryScalerReplicas.minReplicas', `must not exceed maxReplicas (${replicas.maxReplicas}), got ${replicas.minReplicas}`),
    );
  }
  return out;
};

/**
 * A target kind that only some providers route for (a Service: kubernetes and Gateway API, as in
 * Flagger), and a Service target's copies, which are named after it whatever spec.service.name says.
 */
const targetServedByProvider: Rule<CanaryView> = ({ canary, provider }) => {
  const target = canary.spec.targetRef;
  const kind = targetKindOf(target);
  const entry: WorkloadKind | undefined = targetEntryOf(target);
  // Provider knative names its own target (knative-rules.ts says what it must be).
  if (!entry || provider === 'knative') return [];
  const out: Problem[] = [];
  if (entry.providers && !(entry.providers as readonly string[]).includes(provider)) {
    const from = canary.spec.provider === undefined ? ` (the operator's default, as spec.provider is unset)` : '';
    out.push(
      problem(
        'spec.targetRef.kind',
        `a ${kind} target is routed by provider ${entry.providers.join(', ')} only, as in Flagger; provider is ${provider}${from}`,
      ),
    );
  }
  const apex = canary.spec.service?.name;
  if (entry.copies === 'service' && apex !== undefined && apex !== target.name) {
    out.push(
      problem(
        'spec.service.name',
        `must be the target's name (${target.name}) or unset: a ${kind} target's copies are named ${target.name}-primary and ${target.name}-canary`,
      ),
    );
  }
  return out;
};

const servicePorts: Rule<CanaryView> = ({ canary }) => {
  const tp = canary.spec.service?.targetPort;
  if (typeof tp === 'number' && (tp < 1 || tp > 65535)) {
    return [problem('spec.service.targetPort', `must be between 1 and 65535, got ${tp}`)];
  }
  if (typeof tp === 'string' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(tp)) {
    return [problem('spec.service.targetPort', `must be a port number or an IANA port name, got ${quote(tp)}`)];
  }
  return [];
};

const serviceDurations: Rule<CanaryView> = ({ canary }) => [
  ...durationProblem('spec.service.timeout', canary.spec.service?.timeout),
  ...durationProblem('spec.service.backendTimeout', canary.spec.service?.backendTimeout),
];

const metricsServerIsUrl: Rule<CanaryView> = ({ canary }) => urlProblem('spec.metricsServer', canary.spec.metricsServer);

const progressDeadlinePositive: Rule<CanaryView> = ({ canary }) => {
  const v = canary.spec.progressDeadlineSeconds;
  return v === undefined || v > 0 ? [] : [problem('spec.progressDeadlineSeconds', `must be greater than 0, got ${v}`)];
};

const analysisTiming: Rule<CanaryView> = ({ analysis, analysisPath: p }) => {
  if (!analysis) return [];
  const out = durationProblem(`${p}.interval`, analysis.interval, true);
  if (analysis.threshold !== undefined && analysis.threshold < 1) {
    out.push(problem(`${p}.threshold`, `must be at least 1, got ${analysis.threshold}`));
  }
  return out;
};

const analysisHasAStrategy: Rule<CanaryView> = ({ analysis, analysisPath: p, provider }) => {
  if (!analysis || !routesByWeight(provider)) return [];
  const hasSteps = analysis.stepWeight !== undefined || (analysis.stepWeights?.length ?? 0) > 0;
  if (hasSteps || (analysis.iterations ?? 0) > 0) return [];
  return [problem(p, 'one of stepWeight, stepWeights or iterations is required')];
};

const weights: Rule<CanaryView> = ({ analysis, analysisPath: p }) => {
  if (!analysis) return [];
  const out = [
    ...percent(`${p}.maxWeight`, analysis.maxWeight, 1),
    ...percent(`${p}.stepWeight`, analysis.stepWeight, 1),
    ...percent(`${p}.stepWeightPromotion`, analysis.stepWeightPromotion, 1),
    ...percent(`${p}.primaryReadyThreshold`, analysis.primaryReadyThreshold),
    ...percent(`${p}.canaryReadyThreshold`, analysis.canaryReadyThreshold),
  ];
  const max = analysis.maxWeight ?? 100;
  if (analysis.stepWeight !== undefined && analysis.stepWeight <= 100 && analysis.stepWeight > max) {
    out.push(problem(`${p}.stepWeight`, `must not exceed maxWeight (${max}), got ${analysis.stepWeight}`));
  }
  if (analysis.stepWeight !== undefined && (analysis.stepWeights?.length ?? 0) > 0) {
    out.push(problem(`${p}.stepWeights`, 'set stepWeight or stepWeights, not both'));
  }
  upTo(analysis.stepWeights, CANARY_LIMITS.stepWeights).forEach((w, i, all) => {
    out.push(...percent(`${p}.stepWeights[${i}]`, w, 1));
    if (i > 0 && w <= all[i - 1]) {
      out.push(problem(`${p}.stepWeights[${i}]`, `must be greater than the step before it (${all[i - 1]}), got ${w}`));
    }
  });
  return out;
};

const matchNeedsIterations: Rule<CanaryView> = ({ analysis, analysisPath: p, provider }) => {
  if (!analysis?.match?.length) return [];
  const out: Problem[] = [];
  if (!((analysis.iterations ?? 0) > 0)) {
    out.push(problem(`${p}.match`, `A/B testing needs ${p}.iterations greater than 0`));
  }
  if (isSupportedProvider(provider) && !capabilitiesOf(provider).abTesting) {
    out.push(problem(`${p}.match`, `provider ${provider} cannot route by header or cookie (A/B testing)`));
  }
  return out;
};

/** Match conditions the provider's router cannot write (match-support.ts): synthesis would refuse them on every reconcile. */
const matchesWritable: Rule<CanaryView> = ({ canary, analysis, analysisPath: p, provider }) =>
  unsupportedMatchProblems(provider, { service: canary.spec.service?.match, analysis: analysis?.match }, p);

/** An Istio delegate VirtualService is reached through its parent, which alone names hosts and gateways. */
const istioDelegateHasNoAddress: Rule<CanaryView> = ({ canary, provider }) => {
  const service = canary.spec.service;
  if (provider !== 'istio' || service?.delegation !== true) return [];
  return (['hosts', 'gateways'] as const)
    .filter((field) => Array.isArray(service[field]) && service[field].length > 0)
    .map((field) =>
      problem(
        `spec.service.${field}`,
        'must be empty when spec.service.delegation is true: a delegate VirtualService takes its hosts and gateways from its parent',
      ),
    );
};

const mirrorSupported: Rule<CanaryView> = ({ analysis, analysisPath: p, provider }) => {
  if (!analysis) return [];
  const out: Problem[] = [];
  if (analysis.mirror && isSupportedProvider(provider) && !capabilitiesOf(provider).mirroring) {
    out.push(problem(`${p}.mirror`, `provider ${provider} cannot mirror traffic`));
  }
  return out;
};

/** The metric's interval in milliseconds, its default when unset, undefined when it does not parse. */
function metricIntervalMs(interval: unknown): number | undefined {
  try {
    return parseMetricInterval(interval === undefined ? DEFAULTS.metricInterval : (interval as string));
  } catch {
    return undefined;
  }
}

/** A metric is judged by a threshold, by the comparison with the primary (sluiceJudge), or both. */
function isJudged(m: CanaryMetric): boolean {
  const range = m.thresholdRange;
  return range?.min !== undefined || range?.max !== undefined || m.threshold !== undefined || Boolean(m.sluiceJudge);
}

const metricsWellFormed: Rule<CanaryView> = ({ analysis, analysisPath: p }) => {
  const metrics = upTo(analysis?.metrics, CANARY_LIMITS.metrics);
  const out = duplicates(
    `${p}.metrics`,
    metrics.map((m) => m?.name),
  );
  metrics.forEach((m, i) => {
    if (!m) return;
    const mp = childPath(`${p}.metrics`, i);
    const builtin = (BUILTIN_METRICS as readonly string[]).includes(m.name);
    if (!builtin && !m.query && !m.templateRef) {
      out.push(problem(mp, `metric ${quote(m.name)} is not builtin (${BUILTIN_METRICS.join(', ')}) and has neither query nor templateRef`));
    }
    if (m.query && m.templateRef) out.push(problem(mp, 'set query or templateRef, not both'));
    const range = m.thresholdRange;
    if (range && range.min !== undefined && range.max !== undefined && range.min > range.max) {
      out.push(problem(`${mp}.thresholdRange`, `min (${range.min}) must not be greater than max (${range.max})`));
    }
    if (!isJudged(m)) out.push(problem(`${mp}.thresholdRange`, 'needs min or max (or the deprecated threshold), or sluiceJudge'));
    if (!(typeof m.interval === 'string' && GRAPHITE_STYLE_INTERVAL.test(m.interval))) out.push(...durationProblem(`${mp}.interval`, m.interval, true));
    if (m.minRequestCount !== undefined && m.minRequestCount < 0) {
      out.push(problem(`${mp}.minRequestCount`, `must not be negative, got ${m.minRequestCount}`));
    }
    out.push(...judgeProblems(mp, m, metricIntervalMs(m.interval)));
  });
  return out;
};

const webhooksWellFormed: Rule<CanaryView> = ({ analysis, analysisPath: p }) => {
  const hooks = upTo(analysis?.webhooks, CANARY_LIMITS.webhooks);
  const out = duplicates(
    `${p}.webhooks`,
    hooks.map((w) => w?.name),
  );
  hooks.forEach((w, i) => {
    if (!w) return;
    const wp = childPath(`${p}.webhooks`, i);
    if (w.url !== undefined) out.push(...urlProblem(`${wp}.url`, w.url));
    out.push(...durationProblem(`${wp}.timeout`, w.timeout, true, MAX_WEBHOOK_TIMEOUT_MS));
    if (w.retries !== undefined && w.retries < 0) out.push(problem(`${wp}.retries`, `must not be negative, got ${w.retries}`));
  });
  return out;
};

const CANARY_RULES: Rule<CanaryView>[] = [
  needsName,
  apiVersionIsFlagger,
  providerNeedsItsRefs,
  routeTableInCanaryNamespace,
  ({ canary, provider }) => serviceProblems(canary, provider),
  targetAndAutoscaler,
  targetServedByProvider,
  ({ canary, provider }) => knativeProblems(canary, provider),
  servicePorts,
  serviceDurations,
  metricsServerIsUrl,
  progressDeadlinePositive,
  analysisTiming,
  analysisHasAStrategy,
  weights,
  matchNeedsIterations,
  matchesWritable,
  istioDelegateHasNoAddress,
  mirrorSupported,
  metricsWellFormed,
  webhooksWellFormed,
];

export function validateCanary(doc: unknown, defaultProvider: string = DEFAULT_PROVIDER): Problem[] {
  const structural = checkStructure(doc, canarySchema, '').map((p) => withRetiredProviderReason(p, doc));
  if (typeof doc !== 'object' || doc === null || typeof (doc as Canary).spec !== 'object' || (doc as Canary).spec === null) {
    return structural.length ? structural : [problem('spec', 'is required')];
  }
  const canary = doc as Canary;
  const usesDeprecated = !canary.spec.analysis && !!canary.spec.canaryAnalysis;
  const view: CanaryView = {
    canary,
    analysisPath: usesDeprecated ? 'spec.canaryAnalysis' : 'spec.analysis',
    analysis: canary.spec.analysis ?? canary.spec.canaryAnalysis,
    provider: canary.spec.provider ?? defaultProvider,
  };
  // Semantic rules read typed values: skip those the structural check already refused, and
  // everything inside them (the items of a list over its maxItems).
  const refusing = structural.filter((s) => !isMoreEntries(s));
  const refused = new Set(refusing.map((s) => s.path));
  const inside = (path: string) => refusing.some((s) => path.startsWith(`${s.path}[`) || path.startsWith(`${s.path}.`));
  const semantic = CANARY_RULES.flatMap((rule) => {
    try {
      return rule(view);
    } catch (err) {
      // A rule may trip over a field of the wrong type; the structural check has reported it.
      if (structural.length) return [];
      throw err;
    }
  }).filter((s) => !refused.has(s.path) && !inside(s.path));
  return [...structural, ...semantic];
}

/** The enum's "unsupported value" for a provider Sluice refuses for good, with the reason instead of the list. */
function withRetiredProviderReason(p: Problem, doc: unknown): Problem {
  const provider = p.path === 'spec.provider' ? (doc as Canary).spec.provider : undefined;
  const reason = typeof provider === 'string' ? retiredProviderReason(provider) : undefined;
  return reason ? problem(p.path, `unsupported value ${quote(provider)}: ${reason}`) : p;
}

// ---------------------------------------------------------------- MetricTemplate

export function validateMetricTemplate(doc: unknown): Problem[] {
  const out = checkStructure(doc, metricTemplateSchema, '');
  const mt = doc as MetricTemplate;
  out.push(...nameProblems(mt?.metadata));
  const provider = mt?.spec?.provider;
  if (provider && typeof provider.type === 'string') {
    if (!isMetricBackendType(provider.type)) {
      // Flagger queries an unknown type as Prometheus; Sluice refuses it rather than guess.
      out.push(problem('spec.provider.type', `unknown provider type ${quote(provider.type)}: use one of ${METRIC_BACKEND_TYPES.join(', ')}`));
    } else {
      out.push(...backendProblems(provider.type, provider, mt.spec.query));
    }
  }
  if (provider) out.push(...urlProblem('spec.provider.address', provider.address), ...headerProblems(provider.headers));
  if (typeof mt?.spec?.query === 'string' && mt.spec.query.trim() === '') out.push(problem('spec.query', 'must not be empty'));
  return out;
}

/**
 * What a backend cannot work without, caught before the first query: CloudWatch's region, a
 * query that must be JSON (CloudWatch) or a path (Keptn, external metrics). Addresses are not
 * required here: Flagger's own examples leave some out, and the first query says so.
 */
function backendProblems(type: MetricBackendType, provider: MetricTemplate['spec']['provider'], query: unknown): Problem[] {
  const out: Problem[] = [];
  if (type === 'cloudwatch' && !provider.region) out.push(problem('spec.provider.region', 'is required for cloudwatch'));
  if (typeof query !== 'string' || query.includes('{{')) return out; // rendered per Canary: checked at query time
  if (type === 'keptn') {
    try {
      parseKeptnQuery(query);
    } catch (err) {
      out.push(problem('spec.query', (err as Error).message));
    }
  }
  if (type === 'externalmetrics') {
    try {
      parseExternalMetricQuery(query);
    } catch (err) {
      out.push(problem('spec.query', (err as Error).message));
    }
  }
  return out;
}

/** An RFC 9110 token, and a value without the bytes that would end the field line. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

/**
 * `spec.provider.headers`: each a string, or a list of strings (Flagger's http.Header). The CRD
 * keeps any value here (see schemas/metric-template.ts), so the shape is checked now, not at the
 * first query.
 */
function headerProblems(headers: unknown): Problem[] {
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return [];
  return Object.entries(headers).flatMap(([name, value]): Problem[] => {
    const path = childPath('spec.provider.headers', name);
    if (!HEADER_NAME.test(name)) return [problem(path, 'is not a valid HTTP header name')];
    const values = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
      const got = Array.isArray(value) ? 'a list with other values' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
      return [problem(path, `must be a string or a list of strings, got ${got}`)];
    }
    return values.every((v) => HEADER_VALUE.test(v)) ? [] : [problem(path, 'must not contain a line break or NUL')];
  });
}

// ---------------------------------------------------------------- AlertProvider

export function validateAlertProvider(doc: unknown): Problem[] {
  const out = checkStructure(doc, alertProviderSchema, '');
  const ap = doc as AlertProvider;
  out.push(...nameProblems(ap?.metadata));
  const spec = ap?.spec;
  if (spec && typeof spec === 'object') {
    if (!spec.address && !spec.secretRef) out.push(problem('spec.address', 'is required unless spec.secretRef names a Secret with an address'));
    out.push(...urlProblem('spec.address', spec.address), ...urlProblem('spec.proxy', spec.proxy));
  }
  return out;
}

// ---------------------------------------------------------------- warnings

/**
 * Fields Flagger honours that Sluice accepts but does not act on yet: never an error (existing
 * manifests must apply), always said out loud (kubectl prints admission warnings).
 */
export function canaryWarnings(doc: unknown, defaultProvider: string = DEFAULT_PROVIDER): Problem[] {
  const spec = (doc as Canary | undefined)?.spec;
  if (!spec || typeof spec !== 'object') return [];
  const out: Problem[] = [];
  const analysisPath = spec.analysis ? 'spec.analysis' : 'spec.canaryAnalysis';
  const analysis = spec.analysis ?? spec.canaryAnalysis;
  const provider = spec.provider ?? defaultProvider;
  if (analysis?.sessionAffinity && !providerEntry(provider)?.capabilities.sessionAffinity) {
    out.push(
      problem(
        `${analysisPath}.sessionAffinity`,
        `is ignored: provider ${provider} has no cookie-based routing (Flagger has it for Istio and Gateway API only)`,
      ),
    );
  }
  const scaler = spec.autoscalerRef;
  const scalerKind =
    scaler?.kind !== undefined && Object.hasOwn(AUTOSCALER_KINDS, scaler.kind) ? AUTOSCALER_KINDS[scaler.kind as AutoscalerKindName] : undefined;
  if (scaler?.primaryScalerQueries && scalerKind && !scalerKind.takesQueries) {
    out.push(problem('spec.autoscalerRef.primaryScalerQueries', `applies to KEDA ScaledObjects, not to a ${scaler.kind}; ignored`));
  }
  return out;
}

// ---------------------------------------------------------------- any document

/** Validates a flagger.app document by kind; null when the kind is not one of Sluice's. */
export function validateDocument(doc: unknown, defaultProvider?: string): Problem[] | null {
  const kind = (doc as { kind?: unknown })?.kind;
  if (kind === 'Canary') return validateCanary(doc, defaultProvider);
  if (kind === 'MetricTemplate') return validateMetricTemplate(doc);
  if (kind === 'AlertProvider') return validateAlertProvider(doc);
  return null;
}
