// Tasks of the load tester: one per canary and command at a time for background (`cmd`) tasks
// (a webhook that fires every analysis tick does not stack up load generators), at most
// `maxTasks` of every kind together (one busy tester should say so, not take the node down), each
// bounded by the tester's timeout, all aborted on shutdown.
import { createHash } from 'node:crypto';

export type TaskBody<T = void> = (signal: AbortSignal) => Promise<T>;

/** Tasks that may run at once, background and synchronous together. */
export const DEFAULT_MAX_TASKS = 32;

export type StartOutcome = 'started' | 'duplicate' | 'busy';

export class TaskRunner {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private nextSynchronous = 0;

  constructor(
    private readonly timeoutMs: number,
    readonly maxTasks = DEFAULT_MAX_TASKS,
  ) {}

  static key(canary: string, command: string): string {
    return createHash('sha256').update(`${canary}\u0000${command}`).digest('hex');
  }

  /** Starts `body` in the background unless the same key still runs ('duplicate') or the tester is full ('busy'). */
  start(key: string, body: TaskBody): StartOutcome {
    if (this.running.has(key)) return 'duplicate';
    if (this.running.size >= this.maxTasks) return 'busy';
    this.launch(key, body).catch(() => {
      /* the body reports its own failures */
    });
    return 'started';
  }

  /**
   * Runs `body` now and gives its result (a synchronous webhook waits for it), or 'busy' when
   * the tester is full. `cancel` (the caller hanging up) aborts it too.
   */
  run<T>(body: TaskBody<T>, cancel?: AbortSignal): Promise<T> | 'busy' {
    if (this.running.size >= this.maxTasks) return 'busy';
    return this.launch(`synchronous:${this.nextSynchronous++}`, body, cancel);
  }

  private launch<T>(key: string, body: TaskBody<T>, cancel?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`task timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    const hangUp = () => controller.abort(cancel?.reason);
    cancel?.addEventListener('abort', hangUp, { once: true });
    const result = body(controller.signal).finally(() => {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', hangUp);
      this.running.delete(key);
    });
    this.running.set(key, { controller, done: result.catch(() => undefined) });
    return result;
  }

  get size(): number {
    return this.running.size;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Aborts every task and waits for them to finish. */
  async stop(): Promise<void> {
    const all = [...this.running.values()];
    for (const t of all) t.controller.abort(new Error('load tester stopping'));
    await Promise.all(all.map((t) => t.done));
  }
}
