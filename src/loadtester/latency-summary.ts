// The latencies of one load run in bounded memory: exact count, min, max and sum, plus a uniform
// sample of at most `capacity` values (reservoir sampling, Vitter's algorithm R) for percentiles.
// Keeping every latency grew by one number per request: a long -z run at a high -q held millions,
// and Math.max(...all) overflowed the stack.

/** Samples kept for percentiles: enough for a p99 within a fraction of a percent. */
export const DEFAULT_LATENCY_SAMPLES = 10_000;

export class LatencySummary {
  count = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  private readonly samples: number[] = [];

  constructor(
    readonly capacity = DEFAULT_LATENCY_SAMPLES,
    private readonly random: () => number = Math.random,
  ) {}

  add(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    if (this.samples.length < this.capacity) {
      this.samples.push(ms);
      return;
    }
    // Keep the new value with probability capacity/count, in place of a random kept one.
    const slot = Math.floor(this.random() * this.count);
    if (slot < this.capacity) this.samples[slot] = ms;
  }

  get mean(): number {
    return this.count ? this.sum / this.count : NaN;
  }

  /** The sampled values (at most capacity), in arrival order of replacement. */
  get sampled(): readonly number[] {
    return this.samples;
  }

  /** The p-th percentile (0..100) of the sample, nearest rank; NaN when empty. */
  percentile(p: number): number {
    if (this.samples.length === 0) return NaN;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank];
  }
}
