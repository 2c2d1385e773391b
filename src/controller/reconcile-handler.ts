// The one place that decides what happens after a reconcile (controller-runtime's
// reconcileHandler): a Result schedules the next look and resets the key's backoff; a
// TerminalError is reported once through `onTerminal` and never retried on a timer; any other
// error, thrown anywhere in the reconcile (finalize, the finalizer patch, Event recovery,
// apply, status), is logged with its stack and retried with per-key exponential backoff.
import type { Logger } from '../log.js';
import { Backoff } from './backoff.js';
import { TerminalError, type Result } from './result.js';
import { capMessage } from '../api/message.js';

export type Reconcile = (key: string) => Promise<Result>;

/** The part of the work queue the handler schedules with. */
export interface Requeue {
  addAfter(key: string, delayMs: number): void;
}

export interface ReconcileHandlerOptions {
  readonly log: Logger;
  readonly backoff?: Backoff;
  /** Records a terminal error (Event, condition); when it throws, the key is retried like any failure. */
  readonly onTerminal?: (key: string, err: TerminalError) => Promise<void>;
  /** [0, 1) for the jitter of long requeues. @default Math.random */
  readonly random?: () => number;
}

/** Requeues this long or longer get up to 10 % jitter: Canaries initialized together do not all come back together. */
const JITTER_FROM_MS = 60_000;

export class ReconcileHandler {
  readonly backoff: Backoff;
  private readonly random: () => number;

  constructor(
    private readonly reconcile: Reconcile,
    private readonly queue: Requeue,
    private readonly opts: ReconcileHandlerOptions,
  ) {
    this.backoff = opts.backoff ?? new Backoff();
    this.random = opts.random ?? Math.random;
  }

  /** Runs one reconcile of `key` and schedules what follows. Never rejects. */
  handle = async (key: string): Promise<void> => {
    let result: Result;
    try {
      result = await this.reconcile(key);
    } catch (err) {
      if (err instanceof TerminalError) return this.terminal(key, err);
      return this.retry(key, err);
    }
    this.backoff.forget(key);
    const after = result.requeueAfterMs;
    if (after === undefined) return;
    this.queue.addAfter(key, after >= JITTER_FROM_MS ? Math.round(after * (1 + 0.1 * this.random())) : after);
  };

  private async terminal(key: string, err: TerminalError): Promise<void> {
    this.backoff.forget(key);
    try {
      await this.opts.onTerminal?.(key, err);
    } catch (recordErr) {
      this.retry(key, recordErr);
    }
  }

  private retry(key: string, err: unknown): void {
    const delay = this.backoff.next(key);
    const message = err instanceof Error ? err.message : String(err);
    this.opts.log.error(
      { canary: key, err, retryInMs: delay, failures: this.backoff.failuresOf(key) },
      `reconcile of ${key} failed, retrying in ${(delay / 1000).toFixed(1)} s: ${capMessage(message)}`,
    );
    this.queue.addAfter(key, delay);
  }
}
