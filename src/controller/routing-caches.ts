// Watch-backed caches of the routing kinds Sluice generates (VirtualService, HTTPRoute,
// TrafficSplit, ...), one per kind, started the first time a Canary produces an object of that
// kind. With them a reconcile compares what it would apply with what is stored, so an idle
// controller writes nothing, and an edit of a generated route by someone else brings its Canary
// back to repair it. A reconcile first waits (briefly) for the caches of the kinds it is about
// to apply; a kind whose cache is not synced after that answers "unknown", and the caller falls
// back to applying.
import type { Logger } from '../log.js';
import { capMessage } from '../api/message.js';
import { startInformer, type KubeClient, type KubeObject, type WatchedCache } from '../kube/index.js';

/** How long a kind whose discovery failed (CRD not installed yet) waits before another try. */
export const DISCOVERY_RETRY_MS = 60_000;
/** How long a reconcile waits for a new kind's first list before it applies without knowing. */
export const FIRST_SYNC_WAIT_MS = 10_000;

type Entry =
  | { readonly state: 'starting'; readonly started: Promise<void>; readonly waitUntil: number }
  | { readonly state: 'failed'; readonly at: number }
  | { readonly state: 'ready'; readonly cache: WatchedCache<KubeObject>; readonly waitUntil: number };

export class RoutingCaches {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly options: { readonly namespace?: string; readonly log: Logger; readonly now: () => number },
    /** Called with every added, changed or deleted object of a watched kind. */
    private readonly onChange: (object: KubeObject) => void,
  ) {}

  /**
   * The stored object, `null` when the cache is synced and has none, `undefined` when this kind
   * has no synced cache (yet): then the caller cannot know and should apply.
   */
  lookup(object: KubeObject): KubeObject | null | undefined {
    const { name, namespace } = object.metadata;
    if (!name) return undefined;
    // A cache of one namespace cannot tell about another (a cross-namespace Gloo Upstream).
    if (this.options.namespace && namespace && namespace !== this.options.namespace) return undefined;
    const entry = this.entryFor(object);
    if (entry.state !== 'ready' || !entry.cache.isSynced()) return undefined;
    return entry.cache.get(name, namespace) ?? null;
  }

  /**
   * Resolves once every kind among `objects` has a synced cache or is known to be unavailable,
   * at the latest FIRST_SYNC_WAIT_MS after the kind was first asked for: so that the first
   * reconcile after a start compares instead of applying.
   */
  async whenSynced(objects: readonly KubeObject[]): Promise<void> {
    // Waiting is for a kind's first list only: one that never syncs (say, list forbidden) costs
    // its first reconciles up to FIRST_SYNC_WAIT_MS in all, not every reconcile that much.
    const pending = new Set<Promise<void>>();
    let until = 0;
    for (const o of objects) {
      const entry = this.entryFor(o);
      if (entry.state === 'failed' || (entry.state === 'ready' && entry.cache.isSynced())) continue;
      pending.add(entry.state === 'starting' ? entry.started : entry.cache.synced);
      until = Math.max(until, entry.waitUntil);
    }
    const waitMs = until - this.options.now();
    if (pending.size === 0 || waitMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    await Promise.race([Promise.all(pending).then(() => undefined), timeout]);
    clearTimeout(timer);
  }

  /** Kinds with a cache, for logs and tests. */
  watchedKinds(): string[] {
    return [...this.entries].filter(([, e]) => e.state === 'ready').map(([k]) => k);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.entries.values()].map((e) => (e.state === 'ready' ? e.cache.stop() : undefined)));
  }

  private entryFor(object: KubeObject): Entry {
    const key = `${object.apiVersion}|${object.kind}`;
    const entry = this.entries.get(key);
    if (entry && !(entry.state === 'failed' && this.options.now() - entry.at > DISCOVERY_RETRY_MS)) return entry;
    return this.start(key, object.apiVersion, object.kind);
  }

  private start(key: string, apiVersion: string, kind: string): Entry {
    const waitUntil = this.options.now() + FIRST_SYNC_WAIT_MS;
    const started = this.client.discovery.resourceFor(apiVersion, kind).then(
      async (type) => {
        if (this.stopped) return;
        const cache = startInformer<KubeObject>(this.client, type, {
          ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
          log: this.options.log,
        });
        cache.onAdd(this.onChange);
        cache.onUpdate(this.onChange);
        cache.onDelete(this.onChange);
        this.entries.set(key, { state: 'ready', cache, waitUntil });
        this.options.log.info({ kind: key }, `watching ${kind} objects (${apiVersion})`);
        await cache.synced;
      },
      (err: unknown) => {
        this.entries.set(key, { state: 'failed', at: this.options.now() });
        this.options.log.warn({ kind: key, err }, `cannot watch ${kind} objects yet: ${capMessage(err instanceof Error ? err.message : String(err))}`);
      },
    );
    const entry: Entry = { state: 'starting', started, waitUntil };
    this.entries.set(key, entry);
    return entry;
  }
}
