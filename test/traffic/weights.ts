// Pure helpers for splitting a stream of requests by weights, deterministically, so that the shares
// seen in Prometheus are exact rather than noisy.

/** Parses a Kubernetes quantity as used by SMI v1alpha1 weights ("100", "500m", 1) to a number. */
export function parseQuantity(q: unknown): number {
  if (typeof q === 'number') return Number.isFinite(q) && q > 0 ? q : 0;
  if (typeof q !== 'string') return 0;
  const m = /^\s*([0-9.]+)\s*(m|k|M|G|Ki|Mi|Gi)?\s*$/.exec(q);
  if (!m) return 0;
  const n = Number(m[1]);
  const mult: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  const v = n * (m[2] ? mult[m[2]] : 1);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Smooth weighted round robin (as NGINX does): over any window of sum(weights) picks, each index is
 *  chosen exactly in proportion to its weight, interleaved. Entries with weight <= 0 are never picked.
 *  Weights may change between calls; the state follows the indices. */
export class WeightedPicker {
  private current: number[] = [];

  pick(weights: number[]): number {
    if (this.current.length !== weights.length) this.current = weights.map(() => 0);
    let total = 0;
    let best = -1;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] > 0 ? weights[i] : 0;
      if (w === 0) {
        this.current[i] = 0;
        continue;
      }
      this.current[i] += w;
      total += w;
      if (best < 0 || this.current[i] > this.current[best]) best = i;
    }
    if (best >= 0) this.current[best] -= total;
    return best;
  }
}

/** Emits `true` for a given fraction of calls, evenly spread (error injection, A/B share, mirroring). */
export class FractionGate {
  private acc = 0;
  next(fraction: number): boolean {
    const f = Math.min(1, Math.max(0, fraction));
    this.acc += f;
    if (this.acc >= 1 - 1e-9) {
      this.acc -= 1;
      return true;
    }
    return false;
  }
}

/** Turns a rate into whole request counts per tick, carrying the remainder. */
export class RateAccumulator {
  private carry = 0;
  take(ratePerSecond: number, dtSeconds: number): number {
    this.carry += Math.max(0, ratePerSecond) * Math.max(0, dtSeconds);
    const n = Math.floor(this.carry);
    this.carry -= n;
    return n;
  }
}

/** Shares that a set of weights gives each entry (0..1); all-zero weights give all zeros. */
export function shares(weights: number[]): number[] {
  const pos = weights.map((w) => (w > 0 ? w : 0));
  const total = pos.reduce((a, b) => a + b, 0);
  return pos.map((w) => (total > 0 ? w / total : 0));
}
