// Per-key exponential backoff for failing reconciles (client-go's ItemExponentialFailureRateLimiter):
// 1 s, 2 s, 4 s ... capped at 5 min, reset by a success. One Canary whose reconcile keeps failing
// (an apiserver that refuses, a webhook that times out) costs a look every few minutes, not every
// 2 s forever, and the others keep their workers.

export interface BackoffOptions {
  /** The first retry's delay. @default 1000 */
  readonly baseMs?: number;
  /** No retry waits longer than this. @default 300000 */
  readonly capMs?: number;
  /** Up to this share is taken off each delay at random, so keys failing together spread out. @default 0.1 */
  readonly jitter?: number;
  /** [0, 1). @default Math.random */
  readonly random?: () => number;
}

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 5 * 60_000;

export class Backoff {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? BACKOFF_BASE_MS;
    this.capMs = options.capMs ?? BACKOFF_CAP_MS;
    this.jitter = options.jitter ?? 0.1;
    this.random = options.random ?? Math.random;
  }

  /** Counts one more failure of `key` and returns how long to wait before its retry. */
  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2 ** n overflows to Infinity long after it passes the cap; min() keeps it finite.
    const delay = Math.min(this.capMs, this.baseMs * 2 ** Math.min(n, 52));
    // Jitter only shortens: the cap stays a cap.
    return Math.round(delay * (1 - this.jitter * this.random()));
  }

  /** A success (or a terminal error): the next failure starts from the base again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures of `key` since its last success. */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
