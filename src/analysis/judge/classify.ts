// The statistical judge's verdict on one metric: the canary's samples against the primary's,
// as Kayenta's Mann-Whitney classifier judges them. A difference fails only when it is
//   significant  (two-sided p below 1 - confidence),
//   in a bad direction  (the metric's `direction`), and
//   larger than tolerated  (the Hodges-Lehmann shift beyond `tolerance`);
// it is then "high" or "low". Too few samples on either side is "nodata", never a pass.
import { mannWhitney, median } from './mann-whitney.js';

export type JudgeDirection = 'increase' | 'decrease' | 'either';
export type JudgeClass = 'pass' | 'high' | 'low' | 'nodata';

export interface JudgeSettings {
  /** Which change is bad: `increase` (latency), `decrease` (success rate) or `either`. */
  readonly direction: JudgeDirection;
  /** Percent, e.g. 98: a difference counts when p < 1 - confidence/100. */
  readonly confidence: number;
  /** The shift tolerated in the bad direction: a fraction of the primary's median, or an amount. */
  readonly tolerance: { readonly ratio: number } | { readonly absolute: number };
  /** Fewer samples than this on either side: no data. */
  readonly minSamples: number;
}

export interface Judgement {
  readonly classification: JudgeClass;
  readonly canaryMedian?: number;
  readonly primaryMedian?: number;
  /** Hodges-Lehmann shift, canary minus primary. */
  readonly shift?: number;
  /** The shift as a fraction of the primary's median (absent when that median is 0). */
  readonly relativeShift?: number;
  readonly pValue?: number;
  readonly method?: 'exact' | 'normal';
  readonly canarySamples: number;
  readonly primarySamples: number;
  /** Why, in a few words, with the numbers shown by `show`. */
  readonly reason: string;
}

/** Judges the canary's samples against the primary's. `show` prints one value of the metric. */
export function judgeSamples(
  canary: readonly number[],
  primary: readonly number[],
  settings: JudgeSettings,
  show: (value: number) => string = String,
): Judgement {
  const counts = { canarySamples: canary.length, primarySamples: primary.length };
  if (canary.length < settings.minSamples || primary.length < settings.minSamples) {
    return {
      classification: 'nodata',
      ...counts,
      reason: `too few samples to compare: canary ${canary.length}, primary ${primary.length}, fewer than minSamples ${settings.minSamples}`,
    };
  }
  const test = mannWhitney(canary, primary);
  const canaryMedian = median(canary);
  const primaryMedian = median(primary);
  const relativeShift = primaryMedian !== 0 ? test.shift / Math.abs(primaryMedian) : undefined;
  const measured = {
    canaryMedian,
    primaryMedian,
    shift: test.shift,
    pValue: test.pValue,
    method: test.method,
    ...counts,
    ...(relativeShift !== undefined ? { relativeShift } : {}),
  };
  const comparison = `canary ${show(canaryMedian)} vs primary ${show(primaryMedian)} (${effectText(test.shift, relativeShift, show)}, p=${pText(test.pValue)})`;
  const alpha = 1 - settings.confidence / 100;
  const up = test.shift > 0;
  const bad = test.shift !== 0 && (settings.direction === 'either' || (settings.direction === 'increase') === up);
  if (test.pValue >= alpha) {
    return { classification: 'pass', ...measured, reason: `${comparison}: no significant difference at ${settings.confidence}% confidence` };
  }
  if (!bad) return { classification: 'pass', ...measured, reason: `${comparison}: ${up ? 'higher' : 'lower'}, which is not a regression` };
  const tolerated = 'ratio' in settings.tolerance ? settings.tolerance.ratio * Math.abs(primaryMedian) : settings.tolerance.absolute;
  if (Math.abs(test.shift) <= tolerated) {
    return { classification: 'pass', ...measured, reason: `${comparison}: within the tolerated ${toleranceText(settings, show)}` };
  }
  return { classification: up ? 'high' : 'low', ...measured, reason: comparison };
}

/** "+45%", or "+81ms" when the primary's median is 0. */
function effectText(shift: number, relative: number | undefined, show: (v: number) => string): string {
  const sign = shift > 0 ? '+' : shift < 0 ? '-' : '±';
  if (relative !== undefined) return `${sign}${Math.round(Math.abs(relative) * 100)}%`;
  return `${sign}${show(Math.abs(shift))}`;
}

function toleranceText(settings: JudgeSettings, show: (v: number) => string): string {
  return 'ratio' in settings.tolerance ? `${Math.round(settings.tolerance.ratio * 1000) / 10}%` : show(settings.tolerance.absolute);
}

/** Three decimals, and "<0.001" below them. */
export function pText(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}
