// The watch under every informer, as client-go's reflector runs it: the apiserver is asked to end
// each watch after 5 to 10 minutes (timeoutSeconds) and to send bookmarks meanwhile, and the
// client gives up on a connection only after two minutes of silence.
// client-node's own Watch gives up after 30 s without a byte, and its informer then opens a new
// watch on a new TLS connection: an idle controller, whose watches are mostly silent, opened one
// per watched kind twice a minute, and that churn (handshakes, connection pools, aborted requests)
// was most of what its heap allocated while idle.
// Deep import: the package's index loads every generated API model (see bin/client-node-slim.mjs).
import { Watch } from '@kubernetes/client-node/dist/watch.js';

/** The shortest watch the apiserver is asked for; each is 1 to 2 times this (client-go's minWatchTimeout). */
export const MIN_WATCH_SECONDS = 300;

/**
 * How long a watch may stay silent before the client drops the connection as dead. An apiserver
 * with its watch cache (the default) sends a bookmark about every minute to a watch that asked for
 * them, so two minutes of nothing means the connection is gone, or the cache is off (then the watch
 * is opened again, still four times less often than client-node's 30 s).
 */
export const WATCH_SILENCE_MS = 120_000;

export interface WatchTiming {
  /** Default MIN_WATCH_SECONDS. */
  readonly minWatchSeconds: number;
  /** Default WATCH_SILENCE_MS. */
  readonly silenceMs: number;
}

const DEFAULT_WATCH_TIMING: WatchTiming = { minWatchSeconds: MIN_WATCH_SECONDS, silenceMs: WATCH_SILENCE_MS };

/** The timeoutSeconds of one watch: spread over [min, 2 min) so many watches do not end together. */
export function watchTimeoutSeconds(minWatchSeconds = MIN_WATCH_SECONDS, random: () => number = Math.random): number {
  return Math.floor(minWatchSeconds * (1 + random()));
}

type WatchArgs = Parameters<Watch['watch']>;

/** An error named as client-node's informer expects of a timeout: it reconnects at once, no delay. */
function endedAsAsked(): Error {
  const err = new Error('the apiserver ended the watch at its timeoutSeconds');
  err.name = 'TimeoutError';
  return err;
}

export class LongWatch extends Watch {
  private readonly timing: WatchTiming;

  /** `timing` overrides the defaults (tests shorten them). */
  constructor(config: ConstructorParameters<typeof Watch>[0], timing: Partial<WatchTiming> = {}) {
    super(config);
    this.timing = { ...DEFAULT_WATCH_TIMING, ...timing };
    // client-node keeps the silence deadline in a private field and reads it on each watch.
    (this as unknown as { requestTimeoutMs: number }).requestTimeoutMs = this.timing.silenceMs;
  }

  override async watch(path: string, queryParams: WatchArgs[1], callback: WatchArgs[2], done: WatchArgs[3]): Promise<AbortController> {
    const timeoutSeconds = watchTimeoutSeconds(this.timing.minWatchSeconds);
    const openedAt = Date.now();
    // A watch the apiserver ended at its timeout ends cleanly; client-node's informer would wait a
    // growing delay (1 s doubling to 30 s) before the next one when no event came meanwhile, and
    // late events are late rollouts: that end is reported as a timeout, which reconnects at once.
    const doneAfter = (err: unknown) => done(!err && Date.now() - openedAt >= (timeoutSeconds - 1) * 1000 ? endedAsAsked() : err);
    return super.watch(path, { ...queryParams, timeoutSeconds, allowWatchBookmarks: true }, callback, doneAfter);
  }
}
