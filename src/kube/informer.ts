// A watch-backed cache of one kind, over client-node's ListWatch, that keeps itself alive.
// client-node's informer stops for good on any error other than 410 Gone (apiserver restart,
// network blip, expired token): this wrapper restarts it with exponential backoff until stop()
// is called. A restart watches on from the last resourceVersion seen, so nothing that happened
// meanwhile is lost; when that version has expired (410) client-node lists afresh. Its watches are
// long ones (long-watch.ts), not client-node's 30-second ones.
// Deep import: the package's index loads every generated API model (see bin/client-node-slim.mjs).
import { ListWatch } from '@kubernetes/client-node/dist/cache.js';
import { LongWatch, type WatchTiming } from './long-watch.js';
import { logger, type Logger } from '../log.js';
import type { KubeClient } from './client.js';
import { describeObject, resourcePath, type KubeObject, type ResourceType } from './resources.js';

export interface Backoff {
  /** First delay after an error; default 1 s. */
  readonly initialMs: number;
  /** Ceiling of the doubling delays; default 30 s. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };

/**
 * The delay before restart number `attempt` (0-based): doubling from initialMs up to maxMs,
 * with up to 20 % random jitter so many informers failing together do not retry together.
 */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 + 0.2 * random()));
}

export interface InformerOptions {
  /** Watch one namespace; default all. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly backoff?: Partial<Backoff>;
  readonly log?: Logger;
  /** How long each watch lasts and may stay silent (long-watch.ts); tests shorten them. */
  readonly watchTiming?: Partial<WatchTiming>;
  /** Trims each object in place before it is cached; default: drop metadata.managedFields. */
  readonly transform?: (object: KubeObject) => void;
}

/**
 * managedFields is often a third of an object and nothing in Sluice reads it from a cache:
 * dropping it keeps a controller watching thousands of Deployments small (client-go's
 * informers offer the same trim through a transform function).
 */
export function dropManagedFields(object: KubeObject): void {
  if (object?.metadata && 'managedFields' in object.metadata) delete object.metadata.managedFields;
}

export type ObjectHandler<T> = (object: T) => void;

export interface WatchedCache<T extends KubeObject> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
  onAdd(handler: ObjectHandler<T>): void;
  onUpdate(handler: ObjectHandler<T>): void;
  onDelete(handler: ObjectHandler<T>): void;
  /** Resolves once the first list has been loaded into the cache. */
  readonly synced: Promise<void>;
  isSynced(): boolean;
  /** How many times the watch was restarted after an error. */
  restarts(): number;
  stop(): Promise<void>;
}

/** Starts listing and watching `type`; the returned cache fills in as events arrive. */
export function startInformer<T extends KubeObject>(client: KubeClient, type: ResourceType, options: InformerOptions = {}): WatchedCache<T> {
  const log = (options.log ?? logger('kube')).child({ informer: describeObject(type, undefined, options.namespace) });
  const backoff: Backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  let stopped = false;
  let synced = false;
  let failures = 0;
  let restartCount = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => {};
  const syncedPromise = new Promise<void>((resolve) => {
    markSynced = resolve;
  });
  const transform = options.transform ?? dropManagedFields;

  const listFn = async () => {
    const list = await client.list<T>(type, { namespace: options.namespace, labelSelector: options.labelSelector });
    for (const item of list.items) transform(item);
    failures = 0;
    // The informer adds the listed items right after this promise settles; wait until it has.
    if (!synced)
      setImmediate(() => {
        synced = true;
        markSynced();
      });
    return list;
  };
  // What client-node's makeInformer builds, with the long watch (not started: start() below).
  const informer = new ListWatch<T>(
    resourcePath(type, { namespace: options.namespace }),
    new LongWatch(client.kubeConfig, options.watchTiming),
    listFn,
    false,
    options.labelSelector,
  );

  const restartLater = (err: unknown) => {
    if (stopped || retryTimer) return;
    const delay = backoffDelay(failures++, backoff);
    log.warn({ err: errorText(err), delayMs: delay }, `watch failed, restarting in ${delay} ms`);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (stopped) return;
      restartCount++;
      informer.start().catch(restartLater);
    }, delay);
    retryTimer.unref();
  };
  informer.on('error', restartLater);
  // client-node caches a watched object and then hands that same object to the handlers, so
  // the first handler trims what the cache keeps.
  const trim = (object: T) => transform(object);
  informer.on('add', trim);
  informer.on('update', trim);
  informer.start().catch(restartLater);

  // A throwing handler would otherwise be swallowed inside client-node's line parser and
  // silently skip the handlers after it.
  const guarded =
    (verb: string, handler: ObjectHandler<T>): ObjectHandler<T> =>
    (object) => {
      try {
        handler(object);
      } catch (err) {
        log.error({ err: errorText(err), verb, name: object.metadata?.name }, `${verb} handler threw`);
      }
    };

  return {
    get: (name, namespace) => informer.get(name, namespace),
    list: (namespace) => informer.list(namespace),
    onAdd: (handler) => informer.on('add', guarded('add', handler)),
    onUpdate: (handler) => informer.on('update', guarded('update', handler)),
    onDelete: (handler) => informer.on('delete', guarded('delete', handler)),
    synced: syncedPromise,
    isSynced: () => synced,
    restarts: () => restartCount,
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      await informer.stop();
    },
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
