// Background tasks of the load tester (`cmd` webhooks): one per canary and command at a time
// (a webhook that fires every analysis tick does not stack up load generators), each bounded by
// the tester's timeout, all aborted on shutdown.
import { createHash } from 'node:crypto';

export type TaskBody = (signal: AbortSignal) => Promise<void>;

export class TaskRunner {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(private readonly timeoutMs: number) {}

  static key(canary: string, command: string): string {
    return createHash('sha256').update(`${canary}\u0000${command}`).digest('hex');
  }

  /** Starts `body` unless the same key is still running; 'duplicate' then. */
  start(key: string, body: TaskBody): 'started' | 'duplicate' {
    if (this.running.has(key)) return 'duplicate';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`task timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    const done = body(controller.signal)
      .catch(() => { /* the body reports its own failures */ })
      .finally(() => { clearTimeout(timer); this.running.delete(key); });
    this.running.set(key, { controller, done });
    return 'started';
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
