// Judging one metric: a reading and the metric's bounds in, a verdict with Flagger's wording out.
// Pure: the controller puts `message` into the Canary's status and `halt` into the Event and log.
//
// Rendering of values (Flagger's event formats):
//   success rate      "success rate 69.17% < 99%"            value %.2f, threshold as written
//   request duration  "request duration 1.2s > 500ms"         both in milliseconds, printed the way
//                     Go prints a time.Duration, the value floored to whole milliseconds first
//                     (Flagger compares and prints time.Duration(int64(ms)) * time.Millisecond)
//   anything else     "404s percentage 6.20 > 3"              value %.2f, threshold as written
import { formatDuration } from '../api/duration.js';
import { capMessage } from '../api/message.js';
import type { JudgeStatus, MetricCheckStatus } from '../api/types.js';
import type { Reading } from './reading.js';

export type VerdictResult = 'pass' | 'fail' | 'nodata' | 'error';

/** How a value reads: builtins have their own wording, everything else is "custom". */
export type MetricKind = 'request-success-rate' | 'request-duration' | 'custom';

export interface VerdictSubject {
  readonly canaryName: string;
  readonly namespace: string;
  readonly targetName: string;
  /** The Canary's provider (istio, osm, ...), named in the no-values reason of builtins. */
  readonly provider: string;
  readonly metricName: string;
  readonly kind: MetricKind;
  /** For request-duration: milliseconds. */
  readonly min?: number;
  readonly max?: number;
}

export interface Verdict {
  readonly name: string;
  readonly result: VerdictResult;
  /** The judged value (request-duration: whole milliseconds). */
  readonly value?: number;
  readonly min?: number;
  readonly max?: number;
  /** Why, in a few words: "success rate 69.17% < 99%". Kept in the Canary's status. */
  readonly message: string;
  /** The sentence to emit as Event and log line when the check does not pass (Flagger's wording). */
  readonly halt?: string;
  /**
   * Whether the controller adds one to failedChecks. True for fail, error and no values
   * (Flagger counts them all: fail closed); false for pass and for too few requests, which
   * halts the advance without counting against the canary.
   */
  readonly countsAsFailedCheck: boolean;
  /** Sluice: the statistical judge's comparison with the primary, for a metric with sluiceJudge. */
  readonly judge?: JudgeStatus;
  /**
   * When the query answered several series and one was used (or refused as no values): the
   * Warning Event that says so. `message` and `halt` carry the same sentence in parentheses.
   */
  readonly seriesWarning?: string;
}

export function judge(subject: VerdictSubject, reading: Reading): Verdict {
  const verdict = withSeriesNote(subject, judgeReading(subject, reading), 'series' in reading ? reading.series : undefined);
  // An error's detail is whatever a server answered: the status, the Event and the log get it capped.
  return {
    ...verdict,
    message: capMessage(verdict.message),
    ...(verdict.halt !== undefined ? { halt: capMessage(verdict.halt) } : {}),
    ...(verdict.seriesWarning !== undefined ? { seriesWarning: capMessage(verdict.seriesWarning) } : {}),
  };
}

/** Which of several series the value came from, in the status message, the halt and its own Event. */
function withSeriesNote(subject: VerdictSubject, verdict: Verdict, note: string | undefined): Verdict {
  if (note === undefined) return verdict;
  return {
    ...verdict,
    message: `${verdict.message} (${note})`,
    ...(verdict.halt !== undefined ? { halt: `${verdict.halt} (${note})` } : {}),
    seriesWarning: `Metric ${subject.metricName} of ${subject.canaryName}.${subject.namespace}: ${note}`,
  };
}

function judgeReading(subject: VerdictSubject, reading: Reading): Verdict {
  const base = {
    name: subject.metricName,
    ...(subject.min !== undefined ? { min: subject.min } : {}),
    ...(subject.max !== undefined ? { max: subject.max } : {}),
  };
  const canary = `${subject.canaryName}.${subject.namespace}`;
  switch (reading.kind) {
    case 'value':
      return judgeValue(subject, reading.value, base, canary);
    case 'no-values': {
      const where = `probably ${subject.targetName}.${subject.namespace} is not receiving traffic`;
      if (subject.kind === 'custom') {
        return {
          ...base,
          result: 'nodata',
          countsAsFailedCheck: true,
          message: `no values found for custom metric ${subject.metricName} ${where}`,
          halt: `Halt advancement no values found for custom metric: ${subject.metricName}: no values found`,
        };
      }
      return {
        ...base,
        result: 'nodata',
        countsAsFailedCheck: true,
        message: `no values found for ${subject.provider} metric ${subject.metricName} ${where}`,
        halt: `Halt advancement no values found for ${subject.provider} metric ${subject.metricName} ${where}: no values found`,
      };
    }
    case 'too-few-requests': {
      const message =
        `only ${formatNumber(reading.requests)} requests reached ${subject.targetName}.${subject.namespace} ` +
        `in the last ${reading.interval}, fewer than minRequestCount ${reading.minimum}: too little traffic to judge ${subject.metricName}`;
      return { ...base, result: 'nodata', countsAsFailedCheck: false, message, halt: `Halt ${canary} advancement ${message}` };
    }
    case 'ambiguous':
      return errorVerdict(subject, base, 'query', reading.detail);
    case 'error':
      return errorVerdict(subject, base, reading.stage, reading.message);
  }
}

/** The verdict as the Canary's status keeps it (status.metrics[]). */
export function checkStatusOf(verdict: Verdict, checkedAt: Date): MetricCheckStatus {
  return {
    name: verdict.name,
    result: verdict.result,
    ...(verdict.value !== undefined && Number.isFinite(verdict.value) ? { value: verdict.value } : {}),
    ...(verdict.min !== undefined ? { min: verdict.min } : {}),
    ...(verdict.max !== undefined ? { max: verdict.max } : {}),
    message: verdict.message,
    checkedAt: checkedAt.toISOString(),
    ...(verdict.judge ? { judge: verdict.judge } : {}),
  };
}

type Bounds = { name: string; min?: number; max?: number };

function judgeValue(subject: VerdictSubject, raw: number, base: Bounds, canary: string): Verdict {
  // Flagger floors a duration to whole milliseconds before comparing it.
  const value = subject.kind === 'request-duration' && Number.isFinite(raw) ? Math.floor(raw) : raw;
  const show = (v: number) => describe(subject, v);
  const { min, max } = subject;
  let failure: string | undefined;
  if (min !== undefined && value < min) failure = `${show(value)} < ${showBound(subject, min)}`;
  else if (max !== undefined && value > max) failure = `${show(value)} > ${showBound(subject, max)}`;
  if (failure !== undefined) {
    return { ...base, value, result: 'fail', countsAsFailedCheck: true, message: failure, halt: `Halt ${canary} advancement ${failure}` };
  }
  const range =
    min !== undefined && max !== undefined
      ? `within [${showBound(subject, min)}, ${showBound(subject, max)}]`
      : min !== undefined
        ? `>= ${showBound(subject, min)}`
        : max !== undefined
          ? `<= ${showBound(subject, max)}`
          : 'with no threshold';
  return { ...base, value, result: 'pass', countsAsFailedCheck: false, message: `${show(value)} ${range}` };
}

function errorVerdict(subject: VerdictSubject, base: Bounds, stage: 'query' | 'template', detail: string): Verdict {
  let halt: string;
  if (stage === 'template') halt = `Metric template error for ${subject.metricName}: ${detail}`;
  else if (subject.kind === 'custom') halt = `Metric query failed for ${subject.metricName}: ${detail}`;
  else halt = `Prometheus query failed: ${detail}`;
  return { ...base, result: 'error', countsAsFailedCheck: true, message: detail, halt };
}

/** "success rate 69.17%", "request duration 1.2s", "404s percentage 6.20". */
function describe(subject: VerdictSubject, value: number): string {
  switch (subject.kind) {
    case 'request-success-rate':
      return `success rate ${fixed2(value)}%`;
    case 'request-duration':
      return `request duration ${durationText(value)}`;
    case 'custom':
      return `${subject.metricName} ${fixed2(value)}`;
  }
}

function showBound(subject: VerdictSubject, bound: number): string {
  if (subject.kind === 'request-success-rate') return `${formatNumber(bound)}%`;
  if (subject.kind === 'request-duration') return durationText(bound);
  return formatNumber(bound);
}

function durationText(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms}ms`;
  return ms < 0 ? `-${formatDuration(-ms)}` : formatDuration(ms);
}

/** Go's %.2f, including its spelling of the infinities. */
function fixed2(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return value.toFixed(2);
}

/** Go's %v of a float64 for the numbers thresholds hold: 99, 99.5, 0.001. */
function formatNumber(value: number): string {
  return String(value);
}
