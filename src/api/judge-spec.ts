// A metric's `sluiceJudge`: its defaults and its problems. The name carries Sluice's prefix so
// that no field Flagger adds to a metric can ever mean something else (docs/judge.md).
import { formatDuration, isDuration, parseDuration } from './duration.js';
import { type Problem, problem, quote } from './problem.js';
import { JUDGE_DIRECTIONS, type CanaryMetric, type MetricJudgeSpec } from './types.js';
import type { JudgeDirection, JudgeSettings } from '../analysis/judge/classify.js';

export const JUDGE_DEFAULTS = {
  /** Kayenta's default. */
  confidence: 98,
  step: '10s',
  minSamples: 10,
} as const;

/** Above this many samples a side, the range query is refused: a longer interval wants a longer step. */
export const MAX_JUDGE_SAMPLES = 1000;

export interface ResolvedJudge extends JudgeSettings {
  /** As written (or the default): the range query's step and the `{{ interval }}` of each sample. */
  readonly step: string;
  readonly stepMs: number;
}

/** A regression is what the builtin's name says is bad; a custom metric's could go either way. */
export function defaultDirection(metricName: string): JudgeDirection {
  if (metricName === 'request-duration') return 'increase';
  if (metricName === 'request-success-rate') return 'decrease';
  return 'either';
}

/** Defaults filled in. Call it on a validated metric. */
export function resolveJudge(metricName: string, spec: MetricJudgeSpec): ResolvedJudge {
  const step = spec.step ?? JUDGE_DEFAULTS.step;
  return {
    direction: spec.direction ?? defaultDirection(metricName),
    confidence: spec.confidence ?? JUDGE_DEFAULTS.confidence,
    tolerance: spec.tolerance?.ratio !== undefined ? { ratio: spec.tolerance.ratio } : { absolute: spec.tolerance?.absolute ?? 0 },
    minSamples: spec.minSamples ?? JUDGE_DEFAULTS.minSamples,
    step,
    stepMs: parseDuration(step),
  };
}

/** How many samples one side of a judgement gets: one per step over the metric's interval. */
export function samplesPerInterval(intervalMs: number, stepMs: number): number {
  return Math.floor(intervalMs / stepMs);
}

/** The smallest two-sided p-value that `n` samples a side can reach (no ties): 2 / C(2n, n). */
export function smallestPValue(n: number): number {
  let ways = 1;
  for (let k = 1; k <= n; k++) ways = (ways * (n + k)) / k;
  return Math.min(1, 2 / ways);
}

/** Every problem of one metric's sluiceJudge; `path` is the metric's path. */
export function judgeProblems(path: string, metric: CanaryMetric, intervalMs: number | undefined): Problem[] {
  const spec = metric.sluiceJudge;
  if (spec === undefined) return [];
  const jp = `${path}.sluiceJudge`;
  // The structural check names a wrong type; the rules below read fields of objects only.
  if (!isObject(spec)) return [];
  const inline = metric.query
    ? [problem(jp, 'an inline query runs as written, so it cannot be rendered for the primary: use a MetricTemplate with {{ target }}')]
    : [];
  return [...inline, ...decisionProblems(jp, spec), ...samplingProblems(jp, spec, intervalMs)];
}

/** direction, confidence and tolerance. */
function decisionProblems(jp: string, spec: MetricJudgeSpec): Problem[] {
  const out: Problem[] = [];
  if (spec.direction !== undefined && !(JUDGE_DIRECTIONS as readonly string[]).includes(spec.direction)) {
    out.push(problem(`${jp}.direction`, `must be one of ${JUDGE_DIRECTIONS.join(', ')}, got ${quote(spec.direction)}`));
  }
  const confidence = spec.confidence ?? JUDGE_DEFAULTS.confidence;
  if (!confidenceUsable(confidence)) out.push(problem(`${jp}.confidence`, `must be a percentage from 50 to below 100, got ${confidence}`));
  const tolerance = spec.tolerance;
  if (!isObject(tolerance)) return out;
  if (tolerance.ratio !== undefined && tolerance.absolute !== undefined) out.push(problem(`${jp}.tolerance`, 'set ratio or absolute, not both'));
  for (const key of ['ratio', 'absolute'] as const) {
    const v = tolerance[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) out.push(problem(`${jp}.tolerance.${key}`, `must not be negative, got ${v}`));
  }
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const confidenceUsable = (confidence: number) => Number.isFinite(confidence) && confidence >= 50 && confidence < 100;

/** minSamples and step, against the confidence and the metric's interval. */
function samplingProblems(jp: string, spec: MetricJudgeSpec, intervalMs: number | undefined): Problem[] {
  const confidence = spec.confidence ?? JUDGE_DEFAULTS.confidence;
  const minSamples = spec.minSamples ?? JUDGE_DEFAULTS.minSamples;
  if (!(Number.isInteger(minSamples) && minSamples >= 2 && minSamples <= MAX_JUDGE_SAMPLES)) {
    return [
      problem(`${jp}.minSamples`, `must be a whole number from 2 to ${MAX_JUDGE_SAMPLES}, got ${minSamples}`),
      ...stepProblems(jp, spec, undefined, minSamples),
    ];
  }
  const out: Problem[] = [];
  if (confidenceUsable(confidence) && smallestPValue(minSamples) >= 1 - confidence / 100) {
    out.push(
      problem(
        `${jp}.minSamples`,
        `with ${minSamples} samples a side no difference can reach ${confidence}% confidence (the smallest p-value is ${smallestPValue(minSamples).toFixed(3)}): raise it`,
      ),
    );
  }
  return [...out, ...stepProblems(jp, spec, intervalMs, minSamples)];
}

function stepProblems(jp: string, spec: MetricJudgeSpec, intervalMs: number | undefined, minSamples: number): Problem[] {
  const step = spec.step ?? JUDGE_DEFAULTS.step;
  if (!isDuration(step) || parseDuration(step) < 1000) {
    return [problem(`${jp}.step`, `must be a duration of at least 1s, such as 10s, got ${quote(step)}`)];
  }
  if (intervalMs === undefined) return [];
  const samples = samplesPerInterval(intervalMs, parseDuration(step));
  if (samples < minSamples) {
    return [
      problem(
        `${jp}.step`,
        `the metric's interval ${formatDuration(intervalMs)} in steps of ${step} gives ${samples} samples a side, fewer than minSamples ${minSamples}: lengthen the interval or shorten the step`,
      ),
    ];
  }
  if (samples > MAX_JUDGE_SAMPLES) {
    return [
      problem(`${jp}.step`, `the metric's interval in steps of ${step} gives ${samples} samples a side, more than ${MAX_JUDGE_SAMPLES}: lengthen the step`),
    ];
  }
  return [];
}
