// A judged metric's verdict: the threshold's verdict, then the comparison with the primary.
// The threshold speaks first (a failed threshold is reported as Flagger reports it); when it
// passes, a regression the judge finds fails the check and counts under the Canary's
// `threshold`, too few samples halts the step without counting (as minRequestCount does), and a
// failed range query counts, as a failed query does.
import { capMessage } from '../../api/message.js';
import type { JudgeStatus } from '../../api/types.js';
import type { MetricKind, Verdict } from '../verdict.js';
import type { Judgement } from './classify.js';

export type Comparison = Judgement | { readonly classification: 'error'; readonly reason: string };

/** How the judge prints one value of a metric: "181ms", "99.20%", "6.20". */
export function showerOf(kind: MetricKind): (value: number) => string {
  switch (kind) {
    case 'request-duration':
      return (v) => `${Math.round(v)}ms`;
    case 'request-success-rate':
      return (v) => `${v.toFixed(2)}%`;
    case 'custom':
      return (v) => v.toFixed(2);
  }
}

export function judgeStatusOf(comparison: Comparison): JudgeStatus {
  const finite = (key: string, v: number | undefined) => (v !== undefined && Number.isFinite(v) ? { [key]: v } : {});
  if (comparison.classification === 'error') return { classification: 'error', message: capMessage(comparison.reason) };
  return {
    classification: comparison.classification,
    ...finite('canaryMedian', comparison.canaryMedian),
    ...finite('primaryMedian', comparison.primaryMedian),
    ...finite('shift', comparison.shift),
    ...finite('relativeShift', comparison.relativeShift),
    ...finite('pValue', comparison.pValue),
    canarySamples: comparison.canarySamples,
    primarySamples: comparison.primarySamples,
    message: capMessage(comparison.reason),
  };
}

/** Adds the comparison to the threshold's verdict. `canary` is "podinfo.test". */
export function withComparison(threshold: Verdict, comparison: Comparison, canary: string): Verdict & { judge: JudgeStatus } {
  const judge = judgeStatusOf(comparison);
  if (threshold.result !== 'pass') return { ...threshold, judge };
  const what = `${threshold.name} ${comparison.reason}`;
  switch (comparison.classification) {
    case 'pass':
      return { ...threshold, judge };
    case 'high':
    case 'low':
      return {
        ...threshold,
        judge,
        result: 'fail',
        countsAsFailedCheck: true,
        message: capMessage(what),
        halt: capMessage(`Halt ${canary} advancement ${what}`),
      };
    case 'nodata':
      return {
        ...threshold,
        judge,
        result: 'nodata',
        countsAsFailedCheck: false,
        message: capMessage(what),
        halt: capMessage(`Halt ${canary} advancement ${what}`),
      };
    case 'error': {
      const message = capMessage(`comparing ${threshold.name} with the primary failed: ${comparison.reason}`);
      return { ...threshold, judge, result: 'error', countsAsFailedCheck: true, message, halt: capMessage(`Halt ${canary} advancement ${message}`) };
    }
  }
}
