// The Mann-Whitney U test (Wilcoxon rank-sum) of two independent samples and the Hodges-Lehmann
// estimate of the shift between them. Pure arithmetic, no I/O.
//
// The p-value is two-sided, as Kayenta's judge takes it, and computed the way R's wilcox.test
// computes it, so published R examples check it:
//   - exact (the null distribution of U counted) when there are no ties and both samples have
//     fewer than 50 values;
//   - otherwise the normal approximation with the tie correction of the variance and a continuity
//     correction of 0.5.
import { normalUpperTail } from './normal.js';

/** Below this size on both sides and without ties the distribution of U is counted exactly. */
export const EXACT_BELOW = 50;

export interface MannWhitneyResult {
  /** U of the first sample: pairs where it is greater, ties counting one half. */
  readonly u: number;
  /** Two-sided. 1 when every value is tied (nothing tells the samples apart). */
  readonly pValue: number;
  readonly method: 'exact' | 'normal';
  /** Hodges-Lehmann: the median of every difference first-minus-second. */
  readonly shift: number;
}

/** Compares `first` with `second`; both need at least one value. `method` forces one way of computing p. */
export function mannWhitney(first: readonly number[], second: readonly number[], method?: MannWhitneyResult['method']): MannWhitneyResult {
  const n1 = first.length;
  const n2 = second.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitney needs at least one value in each sample');
  if ([...first, ...second].some((v) => !Number.isFinite(v))) throw new RangeError('mannWhitney takes finite numbers only');
  const { ranks, tieGroups } = midRanks([...first, ...second]);
  let rankSum = 0;
  for (let i = 0; i < n1; i++) rankSum += ranks[i];
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const shift = hodgesLehmann(first, second);
  const exact = method ? method === 'exact' : tieGroups.length === 0 && n1 < EXACT_BELOW && n2 < EXACT_BELOW;
  if (exact) {
    if (tieGroups.length > 0) throw new RangeError('the exact Mann-Whitney p-value needs samples without ties');
    return { u, pValue: exactPValue(u, n1, n2), method: 'exact', shift };
  }
  return { u, pValue: normalPValue(u, n1, n2, tieGroups), method: 'normal', shift };
}

/** Ranks 1..N, tied values sharing the mean of their ranks; and the size of each tied group. */
export function midRanks(values: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].v === order[start].v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k].i] = rank;
    if (end > start) tieGroups.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, tieGroups };
}

function normalPValue(u: number, n1: number, n2: number, tieGroups: readonly number[]): number {
  const n = n1 + n2;
  const ties = tieGroups.reduce((sum, t) => sum + t * t * t - t, 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  const distance = u - (n1 * n2) / 2;
  if (variance <= 0) return 1;
  const z = (Math.abs(distance) - (distance === 0 ? 0 : 0.5)) / Math.sqrt(variance);
  return Math.min(1, 2 * normalUpperTail(Math.max(0, z)));
}

function exactPValue(u: number, n1: number, n2: number): number {
  const p = uDistribution(n1, n2);
  const half = (n1 * n2) / 2;
  // R: P(U >= u) above the middle, P(U <= u) below it; doubled, at most 1.
  let tail = 0;
  if (u > half) for (let k = Math.ceil(u); k < p.length; k++) tail += p[k];
  else for (let k = 0; k <= Math.floor(u); k++) tail += p[k];
  return Math.min(1, 2 * tail);
}

const distributions = new Map<string, Float64Array>();

/**
 * P(U = k) for k = 0..n1*n2 when both samples come from one distribution: the coefficients of
 * the Gaussian binomial [n1+n2 choose n1] in q, built one factor (1 - q^(n2+i)) / (1 - q^i) at a
 * time, then divided by their sum, C(n1+n2, n1).
 */
export function uDistribution(n1: number, n2: number): Float64Array {
  const key = `${n1},${n2}`;
  const known = distributions.get(key);
  if (known) return known;
  const size = n1 * n2 + 1;
  const counts = new Float64Array(size);
  counts[0] = 1;
  for (let i = 1; i <= n1; i++) {
    const drop = n2 + i;
    for (let k = size - 1; k >= drop; k--) counts[k] -= counts[k - drop];
    for (let k = i; k < size; k++) counts[k] += counts[k - i];
  }
  let total = 0;
  for (const c of counts) total += c;
  for (let k = 0; k < size; k++) counts[k] /= total;
  distributions.set(key, counts);
  return counts;
}

/** The median of every difference a - b (a from `first`, b from `second`). */
export function hodgesLehmann(first: readonly number[], second: readonly number[]): number {
  const differences = new Float64Array(first.length * second.length);
  let at = 0;
  for (const a of first) for (const b of second) differences[at++] = a - b;
  return median(differences);
}

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
