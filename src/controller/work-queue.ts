// A keyed work queue: a key is never processed twice at once, a key added while it is being
// processed runs once more afterwards, and a delayed add keeps the earliest due time.
// This is what makes reconciles of one Canary strictly sequential.

export type Worker = (key: string) => Promise<void>;

export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly worker: Worker,
    private readonly concurrency = 4,
    private readonly onError: (key: string, err: unknown) => void = () => {},
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.cancelTimer(key);
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const due = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.due <= due) return;
    this.cancelTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, { due, timer });
  }

  /** Number of keys waiting or being processed now (delayed ones excluded). */
  get depth(): number {
    return this.ready.length + this.active.size;
  }

  /** Stops taking work; resolves when in-flight work has finished. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.ready.length = 0;
    this.queued.clear();
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private cancelTimer(key: string): void {
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t.timer);
      this.timers.delete(key);
    }
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      this.running++;
      this.worker(key)
        .catch((err) => this.onError(key, err))
        .finally(() => {
          this.active.delete(key);
          this.running--;
          if (this.dirty.delete(key)) this.add(key);
          if (this.running === 0 && (this.stopped || this.ready.length === 0)) {
            for (const w of this.idleWaiters.splice(0)) w();
          }
          this.pump();
        });
    }
  }
}
