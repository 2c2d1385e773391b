// The gates of one reconcile, run off the workers. decide() asks for gates one at a time; instead
// of waiting for one, the reconcile starts it in the Canary's lane and returns. When the gate ends,
// its result is kept in the Canary's session and the Canary is queued again: the next reconcile
// decides with every result gathered so far and either asks for the next gate or acts.
// A session belongs to one version of the Canary: a spec or status change meanwhile starts over,
// so no result is used for a Canary other than the one it was computed for.
import type { Gate, GateResult } from '../rollout/decision.js';
import type { CanaryLanes } from './canary-lanes.js';

interface Session {
  readonly version: string;
  readonly results: Partial<Record<Gate, GateResult>>;
  running?: Gate;
  /** A gate that threw: the next reconcile rethrows it, so the error policy sees it. */
  failed?: unknown;
}

/** What a reconcile may decide with now. */
export type GateState =
  | { readonly kind: 'ready'; readonly results: Readonly<Partial<Record<Gate, GateResult>>> }
  /** A gate is in flight (perhaps for an older version): its end queues the Canary again. */
  | { readonly kind: 'waiting' };

export class GateSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly lanes: CanaryLanes,
    private readonly wake: (key: string) => void,
  ) {}

  /** The results gathered for this version of the Canary; throws what a gate of it threw. */
  state(key: string, version: string): GateState {
    const session = this.sessions.get(key);
    if (session?.running) return { kind: 'waiting' };
    if (!session || session.version !== version) {
      this.sessions.set(key, { version, results: {} });
      return { kind: 'ready', results: {} };
    }
    if (session.failed !== undefined) {
      this.sessions.delete(key);
      throw session.failed;
    }
    return { kind: 'ready', results: session.results };
  }

  /** Starts `gate` for the session `state()` opened; the Canary is queued again when it ends. */
  start(key: string, gate: Gate, run: () => Promise<GateResult>): void {
    const session = this.sessions.get(key);
    if (!session) throw new Error(`no gate session for ${key}`);
    if (gate in session.results) throw new Error(`decide() asked twice for the ${gate} gate of ${key}`);
    session.running = gate;
    this.lanes.run(key, async () => {
      try {
        session.results[gate] = await run();
      } catch (err) {
        session.failed = err ?? new Error(`the ${gate} gate failed`);
      } finally {
        session.running = undefined;
        this.wake(key);
      }
    });
  }

  /**
   * The reconcile acted on the results, or failed: the next one asks its gates afresh (a retry
   * after a failed apply must not reuse an analysis that may be minutes old by then).
   */
  finish(key: string): void {
    const session = this.sessions.get(key);
    if (session && !session.running) this.sessions.delete(key);
  }

  /** The Canary is gone: a gate still in flight finds no session to queue into. */
  forget(key: string): void {
    this.sessions.delete(key);
  }

  /** Gates in flight now. */
  get running(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.running) n++;
    return n;
  }
}
