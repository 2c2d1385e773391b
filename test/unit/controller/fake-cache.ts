// An in-memory watch of one resource, for controller tests that run without an apiserver.
import type { KubeObject, WatchedCache } from '../../../src/kube/index.js';
import type { Canary } from '../../../src/api/types.js';

/** The test adds, updates and deletes; the controller's handlers see it as a watch event. */
export class FakeCache<T extends KubeObject> implements WatchedCache<T> {
  readonly items = new Map<string, T>();
  private readonly handlers = { add: [] as ((o: T) => void)[], update: [] as ((o: T) => void)[], delete: [] as ((o: T) => void)[] };
  readonly synced = Promise.resolve();
  get(name: string, namespace?: string) {
    return this.items.get(`${namespace}/${name}`);
  }
  list(namespace?: string) {
    return [...this.items.values()].filter((o) => !namespace || o.metadata.namespace === namespace);
  }
  onAdd(h: (o: T) => void) {
    this.handlers.add.push(h);
  }
  onUpdate(h: (o: T) => void) {
    this.handlers.update.push(h);
  }
  onDelete(h: (o: T) => void) {
    this.handlers.delete.push(h);
  }
  isSynced() {
    return true;
  }
  restarts() {
    return 0;
  }
  async stop() {}
  put(o: T): void {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    const verb = this.items.has(key) ? 'update' : 'add';
    this.items.set(key, o);
    for (const h of this.handlers[verb]) h(o);
  }
}

/**
 * The apiserver's status subresource for Canaries held in a FakeCache: a merge patch of the status
 * (null deletes), a new resourceVersion, and the watch delivering the write, at the same generation.
 */
export function statusWrites(canaries: () => FakeCache<Canary & KubeObject>, nextResourceVersion: () => string) {
  return async (_type: unknown, name: string, ns: string, body: { status: Record<string, unknown> }) => {
    const current = canaries().get(name, ns)!;
    const status: Record<string, unknown> = { ...current.status };
    for (const [k, v] of Object.entries(body.status)) {
      if (v === null) delete status[k];
      else status[k] = v;
    }
    const next = { ...current, metadata: { ...current.metadata, resourceVersion: nextResourceVersion() }, status } as Canary & KubeObject;
    canaries().put(next);
    return structuredClone(next);
  };
}
