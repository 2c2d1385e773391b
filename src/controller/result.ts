// What one reconcile tells the handler that runs it (controller-runtime's reconcile.Result and
// TerminalError). The reconcile says what it saw; the handler alone decides when the key runs
// again (reconcile-handler.ts), so requeue, backoff and "never again" live in one place.

/** A reconcile that finished: look again after `requeueAfterMs`, or only on a watch event when absent. */
export interface Result {
  readonly requeueAfterMs?: number;
}

/** Finished; a watch event brings the key back. */
export const DONE: Result = {};

/** Finished; look again after this many milliseconds. */
export const requeueAfter = (ms: number): Result => ({ requeueAfterMs: ms });

/**
 * A spec that cannot be carried out as written: retrying changes nothing, so it is never retried
 * on a timer. It becomes a Warning Event and the Stalled condition, and the Canary is looked at
 * again when its spec (metadata.generation) or a watched input changes.
 */
export class TerminalError extends Error {
  /** The condition's reason, CamelCase: InvalidSpec, ReferenceNotFound. */
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
    this.reason = reason;
  }
}
