// What the dashboard's pages show, computed from Canary and Event objects without I/O: a row of
// the list page, and the Canary page's weight timeline, metric series, Event markers, conditions
// and generated objects. The browser only draws these; it never reads a Kubernetes object.
import type { Canary, CanaryCondition, JudgeStatus, MetricCheckStatus } from '../api/types.js';
import { analysisOf, maxWeightOf } from '../api/defaults.js';
import type { ListedEvent } from '../cli/status.js';
import type { MetricSample, WeightSample } from './history.js';
import { routeSplits, splitText } from './route-weights.js';

export interface CanaryRow {
  readonly namespace: string;
  readonly name: string;
  /** "" until the controller has written a status. */
  readonly phase: string;
  readonly weight: number;
  readonly maxWeight: number;
  readonly failedChecks: number;
  readonly lastTransitionTime: string;
  readonly paused: boolean;
  /** "3/10" for Blue/Green and A/B testing, which count iterations instead of weights. */
  readonly iterations?: string;
}

const PAUSED = 'sluice.dev/paused';

export function canaryRow(canary: Canary): CanaryRow {
  const analysis = analysisOf(canary);
  const iterations = analysis?.iterations;
  return {
    namespace: canary.metadata.namespace ?? '',
    name: canary.metadata.name ?? '',
    phase: canary.status?.phase ?? '',
    weight: clampWeight(canary.status?.canaryWeight ?? 0),
    maxWeight: maxWeightOf(analysis),
    failedChecks: canary.status?.failedChecks ?? 0,
    lastTransitionTime: canary.status?.lastTransitionTime ?? '',
    paused: canary.metadata.annotations?.[PAUSED] === 'true',
    ...(iterations ? { iterations: `${canary.status?.iterations ?? 0}/${iterations}` } : {}),
  };
}

/** Rows sorted by namespace, then name: the order `kubectl get canaries -A` prints. */
export function canaryRows(canaries: Iterable<Canary>): CanaryRow[] {
  return [...canaries].map(canaryRow).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

export interface EventMarker {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
}

const eventTime = (e: ListedEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;

/** Events as markers on the time axis, oldest first; an Event without any time is left out. */
export function eventMarkers(events: readonly ListedEvent[]): EventMarker[] {
  const out: EventMarker[] = [];
  for (const e of events) {
    const at = Date.parse(eventTime(e) ?? '');
    if (!Number.isFinite(at)) continue;
    out.push({ at, type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 1 });
  }
  return out.sort((a, b) => a.at - b.at);
}

/**
 * The canary weight each Event of a rollout implies, in Flagger's wording (src/rollout/messages.ts):
 * a new revision starts at 0, each "Advance ... canary weight N" sets N, promotion's "primary
 * weight N" leaves 100-N to the canary, and the end of a rollout (all traffic to the primary,
 * promotion completed, a rollback) returns to 0. Other Events imply nothing.
 */
export function weightFromEvent(message: string): number | undefined {
  let m = /^Advance \S+ canary weight (\d+)$/.exec(message);
  if (m) return clampWeight(Number(m[1]));
  m = /^Advance \S+ primary weight (\d+)$/.exec(message);
  if (m) return clampWeight(100 - Number(m[1]));
  if (message === 'Routing all traffic to canary') return 100;
  if (/^New revision detected! /.test(message)) return 0;
  if (
    message === 'Routing all traffic to primary' ||
    /^Promotion completed! /.test(message) ||
    /^Rolling back /.test(message) ||
    /^Canary failed! /.test(message)
  )
    return 0;
  return undefined;
}

export interface WeightPoint {
  readonly at: number;
  readonly weight: number;
}

/**
 * The weight timeline: points implied by Events merged with the weights the dashboard's watch saw
 * in the status, in time order, a point dropped when it repeats the weight before it. A repeated
 * Event (count > 1) contributes its last time only, which is all the apiserver keeps.
 */
export function weightTimeline(markers: readonly EventMarker[], samples: readonly WeightSample[]): WeightPoint[] {
  const points: WeightPoint[] = [];
  for (const m of markers) {
    const weight = weightFromEvent(m.message);
    if (weight !== undefined) points.push({ at: m.at, weight });
  }
  for (const s of samples) points.push({ at: s.at, weight: clampWeight(s.weight) });
  points.sort((a, b) => a.at - b.at);
  const out: WeightPoint[] = [];
  for (const p of points) if (out.length === 0 || out[out.length - 1].weight !== p.weight) out.push(p);
  return out;
}

export interface MetricSeries {
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
  /** Checks in time order; value absent for nodata and error. */
  readonly points: readonly { at: number; value?: number; result: MetricCheckStatus['result']; message?: string; judge?: string }[];
  /** The judge's comparison at the last check, in words; absent for a metric without sluiceJudge. */
  readonly judge?: string;
}

/**
 * One series per metric check: the samples the watch recorded, plus the status's last verdict of
 * each (so a page opened just now shows at least that), deduplicated by check time. The threshold
 * is the latest one recorded.
 */
export function metricSeries(canary: Canary, samples: readonly MetricSample[]): MetricSeries[] {
  const byName = new Map<string, Map<number, MetricSample>>();
  const add = (s: MetricSample) => {
    let checks = byName.get(s.name);
    if (!checks) byName.set(s.name, (checks = new Map()));
    checks.set(s.at, s);
  };
  for (const s of samples) add(s);
  for (const m of canary.status?.metrics ?? []) {
    const sample = metricSampleOf(m);
    if (sample) add(sample);
  }
  const declared = (analysisOf(canary)?.metrics ?? []).map((m) => m.name);
  const names = [...new Set([...declared, ...byName.keys()])];
  return names.map((name) => {
    const checks = [...(byName.get(name)?.values() ?? [])].sort((a, b) => a.at - b.at);
    const last = checks[checks.length - 1];
    return {
      name,
      ...(last?.min !== undefined ? { min: last.min } : {}),
      ...(last?.max !== undefined ? { max: last.max } : {}),
      points: checks.map((c) => ({
        at: c.at,
        result: c.result,
        ...(c.value !== undefined && (c.result === 'pass' || c.result === 'fail') ? { value: c.value } : {}),
        ...(c.message ? { message: c.message } : {}),
        ...(c.judge ? { judge: judgeText(c.judge) } : {}),
      })),
      ...(last?.judge ? { judge: judgeText(last.judge) } : {}),
    };
  });
}

const JUDGED: Record<JudgeStatus['classification'], string> = {
  pass: 'no regression against the primary',
  high: 'canary higher than the primary',
  low: 'canary lower than the primary',
  nodata: 'not judged',
  error: 'comparison failed',
};

/** A number as the judge's status holds it, shortened for reading: 3 significant digits. */
const short = (v: number) => (Math.abs(v) >= 1000 ? String(Math.round(v)) : String(Number(v.toPrecision(3))));
const signed = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${short(Math.abs(v))}`;

/**
 * The judge's comparison in one sentence: its classification, then its own reason (which names
 * canary and primary medians, the shift and the p-value), or those fields when it has none, and
 * the sample counts.
 */
export function judgeText(j: JudgeStatus): string {
  const fields: string[] = [];
  if (j.canaryMedian !== undefined && j.primaryMedian !== undefined) fields.push(`canary median ${short(j.canaryMedian)} vs primary ${short(j.primaryMedian)}`);
  if (j.shift !== undefined)
    fields.push(`shift ${signed(j.shift)}${j.relativeShift !== undefined ? ` (${signed(Math.round(j.relativeShift * 1000) / 10)}%)` : ''}`);
  if (j.pValue !== undefined) fields.push(`p-value ${j.pValue < 0.001 ? '< 0.001' : short(j.pValue)}`);
  const why = j.message || fields.join(', ');
  const samples = j.classification !== 'nodata' && j.canarySamples !== undefined && j.primarySamples !== undefined;
  return `${JUDGED[j.classification] ?? j.classification}${why ? `: ${why}` : ''}${samples ? `; ${j.canarySamples} canary and ${j.primarySamples} primary samples` : ''}.`;
}

/** A status entry as a sample; none when its check time does not parse. */
export function metricSampleOf(m: MetricCheckStatus): MetricSample | undefined {
  const at = Date.parse(m.checkedAt);
  if (!Number.isFinite(at)) return undefined;
  return {
    name: m.name,
    at,
    result: m.result,
    ...(m.value !== undefined ? { value: m.value } : {}),
    ...(m.min !== undefined ? { min: m.min } : {}),
    ...(m.max !== undefined ? { max: m.max } : {}),
    ...(m.message ? { message: m.message } : {}),
    ...(m.judge ? { judge: m.judge } : {}),
  };
}

export interface GeneratedObject {
  readonly kind: string;
  readonly name: string;
  /** The share of traffic its pods get: the canary's weight or the primary's 100 - weight. */
  readonly weight?: number;
  /** A routing object's split as stored now, e.g. "podinfo-primary 80%, podinfo-canary 20%". */
  readonly split?: string;
  readonly detail: string;
}

interface OwnedObject {
  kind?: string;
  metadata: { name?: string; ownerReferences?: { uid: string }[] };
  spec?: { replicas?: number; minReplicas?: number; maxReplicas?: number };
  status?: { readyReplicas?: number; replicas?: number };
}

/**
 * The objects Sluice generated for `canary` (those whose owner reference names its uid) with the
 * weight each carries: `<svc>-primary` and the primary Deployment get 100 - weight, `<svc>-canary`
 * the canary's. The target Deployment is the user's, listed too, since its pods are the canary's.
 */
export function generatedObjects(canary: Canary, candidates: readonly OwnedObject[]): GeneratedObject[] {
  const uid = canary.metadata.uid;
  const weight = clampWeight(canary.status?.canaryWeight ?? 0);
  const target = canary.spec.targetRef?.name;
  const out: GeneratedObject[] = [];
  for (const o of candidates) {
    const name = o.metadata.name ?? '';
    const owned = uid !== undefined && (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid);
    const isTarget = o.kind === 'Deployment' && name === target;
    if (!owned && !isTarget) continue;
    const role = isTarget || name.endsWith('-canary') ? 'canary' : name.endsWith('-primary') ? 'primary' : 'apex';
    const share = role === 'canary' ? weight : role === 'primary' ? 100 - weight : undefined;
    out.push({ kind: o.kind ?? '', name, ...(share !== undefined ? { weight: share } : {}), detail: objectDetail(o) });
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/**
 * The routing objects synthesis names for the Canary, each with the split it carries as stored;
 * one not found is "not created yet" (before initialization, or a kind whose CRD is missing).
 */
export function routingObjectViews(found: readonly { stub: RoutingObject; live?: RoutingObject }[]): GeneratedObject[] {
  return found.map(({ stub, live }) => {
    const splits = live ? routeSplits(live) : undefined;
    return {
      kind: stub.kind ?? '',
      name: stub.metadata.name ?? '',
      ...(splits ? { split: splitText(splits) } : {}),
      detail: live ? '' : 'not created yet',
    };
  });
}

interface RoutingObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; annotations?: Record<string, string> };
  spec?: unknown;
}

function objectDetail(o: OwnedObject): string {
  if (o.kind === 'Deployment') return `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0} ready`;
  if (o.kind === 'HorizontalPodAutoscaler') return `${o.spec?.minReplicas ?? 1}-${o.spec?.maxReplicas ?? '?'} replicas`;
  return '';
}

export interface ConditionView {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export function conditionViews(conditions: readonly CanaryCondition[] | undefined): ConditionView[] {
  return (conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason ?? '',
    message: c.message ?? '',
    lastTransitionTime: c.lastTransitionTime ?? '',
  }));
}

export interface CanaryDetail {
  readonly row: CanaryRow;
  readonly weights: WeightPoint[];
  readonly metrics: MetricSeries[];
  readonly events: EventMarker[];
  readonly conditions: ConditionView[];
  readonly objects: GeneratedObject[];
}

export function canaryDetail(
  canary: Canary,
  events: readonly ListedEvent[],
  history: { weights: readonly WeightSample[]; metrics: readonly MetricSample[] },
  owned: readonly OwnedObject[],
  routing: readonly GeneratedObject[] = [],
): CanaryDetail {
  const markers = eventMarkers(events);
  return {
    row: canaryRow(canary),
    weights: weightTimeline(markers, history.weights),
    metrics: metricSeries(canary, history.metrics),
    events: markers,
    conditions: conditionViews(canary.status?.conditions),
    objects: [...generatedObjects(canary, owned), ...routing].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)),
  };
}

function clampWeight(w: number): number {
  return Number.isFinite(w) ? Math.max(0, Math.min(100, w)) : 0;
}
