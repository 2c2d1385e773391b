// The statistical judge's samples: one range query per workload over the metric's interval,
// a value per step. Each sample is the metric's query with `{{ interval }}` set to the step, so
// consecutive samples cover consecutive windows and share no request (the test assumes
// independent samples; overlapping rate() windows would make neighbours alike).
import type { MetricsQuerier, QueryRange, QueryResult } from '../prometheus.js';
import { samplesPerInterval } from '../../api/judge-spec.js';

export type Samples = { readonly kind: 'samples'; readonly values: readonly number[] } | { readonly kind: 'error'; readonly message: string };

/**
 * The steps that cover exactly the `intervalMs` before `endMs`: the first sample's window starts
 * where the interval starts, so one interval gives floor(interval / step) samples.
 */
export function rangeOf(endMs: number, intervalMs: number, stepMs: number): QueryRange {
  const count = samplesPerInterval(intervalMs, stepMs);
  return { startMs: endMs - (count - 1) * stepMs, endMs, stepMs };
}

/** The values of a range query's one series; no series is no samples, NaN steps are left out. */
export function samplesOf(result: QueryResult, toJudged: (value: number) => number): Samples {
  if (result.type !== 'matrix' || !result.series) {
    return { kind: 'error', message: `the range query returned a ${result.type}, expected one series over time` };
  }
  if (result.series.length === 0) return { kind: 'samples', values: [] };
  if (result.series.length > 1) {
    return { kind: 'error', message: `the range query returned ${result.series.length} series, expected one: aggregate it, e.g. with sum()` };
  }
  return { kind: 'samples', values: result.series[0].values.filter((v) => Number.isFinite(v)).map(toJudged) };
}

export async function fetchSamples(querier: MetricsQuerier, promql: string, range: QueryRange, toJudged: (value: number) => number): Promise<Samples> {
  if (!querier.queryRange) return { kind: 'error', message: 'sluiceJudge needs a Prometheus metric (range queries)' };
  try {
    return samplesOf(await querier.queryRange(promql, range), toJudged);
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}
