// A small typed client for any kind: get, list, create, delete, server-side apply, merge
// patches of objects and of their status, and Events. Everything is plain JSON in and out.
// Failures throw KubeError with the HTTP status kept; use isNotFound / isConflict to decide.
import type { KubeConfig } from '@kubernetes/client-node';
import { Discovery } from './discovery.js';
import { SLUICE_FIELD_MANAGER } from './field-manager.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { RecentEvents } from './recent-events.js';
import { newEvent, repeatPatch, type CoreEvent, type EventType, type InvolvedObject } from './events.js';
import { RESOURCES, apiVersionOf, resourcePath, type KubeList, type KubeObject, type ResourceType } from './resources.js';
import { KubeTransport, type KubeRequest } from './transport.js';

export { SLUICE_FIELD_MANAGER };

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface WriteOptions {
  /** Default "sluice". */
  readonly fieldManager?: string;
  readonly dryRun?: boolean;
}

export interface ApplyOptions extends WriteOptions {
  /** Take over fields other managers own; default true (Sluice is the source of truth for what it generates). */
  readonly force?: boolean;
}

export interface DeleteOptions {
  readonly propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  readonly dryRun?: boolean;
}

const MERGE_PATCH = 'application/merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';

export class KubeClient {
  readonly transport: KubeTransport;
  readonly discovery: Discovery;
  private readonly recentEvents = new RecentEvents();

  constructor(readonly kubeConfig: KubeConfig) {
    this.transport = new KubeTransport(kubeConfig);
    this.discovery = new Discovery(this.transport);
  }

  async get<T = KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T> {
    return this.call<T>({ method: 'GET', path: resourcePath(type, { namespace, name }) });
  }

  /** Like get, but undefined when the object does not exist. */
  async getIfExists<T = KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(type, name, namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A namespaced type listed without a namespace lists every namespace. */
  async list<T = KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<KubeList<T>> {
    const list = await this.call<KubeList<T>>({
      method: 'GET',
      path: resourcePath(type, { namespace: options.namespace }),
      query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
    });
    // Items of a list carry no apiVersion/kind; give them the list's, so cached objects compare
    // equal to what synthesis produces (otherwise every reconcile re-applies them).
    const apiVersion = list.apiVersion ?? apiVersionOf(type);
    const kind = list.kind?.replace(/List$/, '') ?? type.kind;
    const items = (list.items ?? []).map((item) => ({ apiVersion, ...(kind ? { kind } : {}), ...item }));
    return { ...list, metadata: list.metadata ?? {}, items };
  }

  async create<T extends KubeObject>(type: ResourceType, object: T, options: WriteOptions = {}): Promise<T> {
    return this.call<T>({
      method: 'POST',
      path: resourcePath(type, { namespace: object.metadata?.namespace }),
      query: writeQuery(options),
      body: object,
    });
  }

  /** True when this call deleted it, false when it was already gone. */
  async delete(type: ResourceType, name: string, namespace?: string, options: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.call({
        method: 'DELETE',
        path: resourcePath(type, { namespace, name }),
        query: { propagationPolicy: options.propagationPolicy, dryRun: options.dryRun ? 'All' : undefined },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Server-side apply of each object, in order (owners before dependents, as synthesis lists them).
   * The plural comes from discovery, so any kind works, custom resources included.
   */
  async serverSideApply<T extends KubeObject>(objects: readonly T[], options: ApplyOptions = {}): Promise<T[]> {
    const applied: T[] = [];
    for (const object of objects) {
      const type = await this.discovery.resourceFor(object.apiVersion, object.kind);
      const { name, namespace } = object.metadata ?? {};
      if (!name) throw new Error(`cannot apply a ${object.kind} without metadata.name`);
      if (type.namespaced && !namespace) throw new Error(`cannot apply ${object.kind} ${name} without metadata.namespace`);
      applied.push(
        await this.call<T>({
          method: 'PATCH',
          path: resourcePath(type, { namespace, name }),
          query: { ...writeQuery(options), force: options.force ?? true },
          body: object,
          contentType: APPLY_PATCH,
        }),
      );
    }
    return applied;
  }

  /** RFC 7386 merge patch: null deletes a key, objects merge, arrays are replaced whole. */
  async mergePatch<T = KubeObject>(type: ResourceType, name: string, namespace: string | undefined, patch: unknown, options: WriteOptions = {}): Promise<T> {
    return this.call<T>({
      method: 'PATCH',
      path: resourcePath(type, { namespace, name }),
      query: writeQuery(options),
      body: patch,
      contentType: MERGE_PATCH,
    });
  }

  /** A merge patch of the status subresource, e.g. patchStatus(RESOURCES.canaries, n, ns, { status: { phase } }). */
  async patchStatus<T = KubeObject>(type: ResourceType, name: string, namespace: string | undefined, patch: unknown, options: WriteOptions = {}): Promise<T> {
    return this.call<T>({
      method: 'PATCH',
      path: resourcePath(type, { namespace, name, subresource: 'status' }),
      query: writeQuery(options),
      body: patch,
      contentType: MERGE_PATCH,
    });
  }

  /**
   * Records a core/v1 Event about an object. The same (object, type, reason, message) again
   * increments the count of the existing Event instead of creating another.
   */
  async createEvent(involvedObject: InvolvedObject, type: EventType, reason: string, message: string, now = new Date()): Promise<CoreEvent> {
    const event = newEvent(involvedObject, type, reason, message, now);
    const { name, namespace } = event.metadata;
    const key = `${namespace}/${name}`;
    const recent = this.recentEvents.get(key);
    if (recent) {
      // A repeat of an Event this process wrote: bump it, on condition that nobody else has since.
      try {
        return this.remember(
          key,
          await this.mergePatch<CoreEvent>(RESOURCES.events, name, namespace, {
            ...(recent.resourceVersion ? { metadata: { resourceVersion: recent.resourceVersion } } : {}),
            ...repeatPatch(recent, now),
          }),
        );
      } catch (err) {
        this.recentEvents.delete(key);
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    try {
      return this.remember(key, (await this.create(RESOURCES.events, event as unknown as KubeObject)) as unknown as CoreEvent);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = await this.getIfExists<CoreEvent>(RESOURCES.events, name, namespace);
    // Expired between our create and get (Events have a TTL): record it afresh.
    if (!existing) return this.remember(key, (await this.create(RESOURCES.events, event as unknown as KubeObject)) as unknown as CoreEvent);
    return this.remember(key, await this.mergePatch<CoreEvent>(RESOURCES.events, name, namespace, repeatPatch(existing, now)));
  }

  private remember(key: string, stored: CoreEvent): CoreEvent {
    this.recentEvents.set(key, { count: stored.count ?? 1, ...(stored.metadata?.resourceVersion ? { resourceVersion: stored.metadata.resourceVersion } : {}) });
    return stored;
  }

  private async call<T>(request: KubeRequest): Promise<T> {
    const result = await this.transport.send<T>(request);
    if (!result.ok) throw result.error;
    return result.data;
  }
}

function writeQuery(options: WriteOptions): KubeRequest['query'] {
  return { fieldManager: options.fieldManager ?? SLUICE_FIELD_MANAGER, dryRun: options.dryRun ? 'All' : undefined };
}
