// The dashboard's live data: one watch of Canaries and one of Events in its scope, the status
// history they feed, and the open Server-Sent Events streams, each sent the new view model when a
// watch event concerns what it shows. Nothing is polled. Each watch starts only if the apiserver
// says it may (watch-access.ts): a refused one would retry for ever and the page never sync.
import type { Canary } from '../api/types.js';
import type { ListedEvent } from '../cli/status.js';
import { RESOURCES, startInformer, type KubeClient, type KubeObject, type ResourceType, type WatchedCache } from '../kube/index.js';
import type { Logger } from '../log.js';
import { StatusHistory } from './history.js';
import type { EventStream } from './sse.js';
import { readRoutingInputs, readRoutingObjects, routingStubsOf } from './routing-objects.js';
import { canaryDetail, canaryRows, routingObjectViews, type GeneratedObject } from './view-model.js';
import { missingWatchAccess, reviewWatchAccess, unansweredReviews } from './watch-access.js';

type CanaryEvent = ListedEvent & KubeObject & { involvedObject?: { kind?: string; name?: string; namespace?: string } };

interface OwnedEntry {
  weight?: number;
  phase?: string;
  objects: KubeObject[];
  routing: GeneratedObject[];
  error?: string;
}

/** The kinds of object Sluice generates that the Canary page finds by their owner reference. */
const OWNED_KINDS = [RESOURCES.deployments, RESOURCES.services, RESOURCES.horizontalPodAutoscalers];

const keyOf = (ns: string, name: string) => `${ns}/${name}`;

export interface FeedOptions {
  /** Provider of Canaries without spec.provider, as the operator's -mesh-provider. */
  readonly defaultProvider?: string;
  /** Who the watches read as, in a refusal: "the operator's ServiceAccount", "your Kubernetes user". */
  readonly reader: string;
  /** How that reader is granted the list and watch of Events, said when they are refused. */
  readonly eventsGrant: string;
}

export class CanaryFeed {
  private readonly canaries: WatchedCache<Canary & KubeObject>;
  /** Undefined when the apiserver refuses the watch: `eventsUnavailable` says why. */
  private readonly events: WatchedCache<CanaryEvent> | undefined;
  private readonly history = new StatusHistory();
  private readonly listStreams = new Set<{ stream: EventStream; namespace?: string }>();
  private readonly detailStreams = new Map<string, Set<EventStream>>();
  private readonly owned = new Map<string, OwnedEntry>();

  /**
   * Asks the apiserver whether `options.reader` may list and watch Canaries and Events in
   * `namespace` (every namespace when undefined), then starts the watches it may. Without
   * Canaries there is no page: that throws, naming what is missing. Without Events the page shows
   * the Canaries and says why their Events are not there, and one error is logged. A review the
   * apiserver does not answer starts the watch all the same.
   */
  static async open(client: KubeClient, namespace: string | undefined, log: Logger, options: FeedOptions): Promise<CanaryFeed> {
    const reviewed = async (type: ResourceType) => {
      const answers = await reviewWatchAccess(client, type, namespace);
      const errors = unansweredReviews(answers);
      if (errors.length) log.warn({ errors }, `could not ask the apiserver whether the rollout page may watch ${type.plural}: watching them anyway`);
      return answers;
    };
    const [canaries, events] = await Promise.all([reviewed(RESOURCES.canaries), reviewed(RESOURCES.events)]);
    const noCanaries = missingWatchAccess(RESOURCES.canaries, namespace, canaries, options.reader);
    if (noCanaries) throw new Error(`cannot serve the rollout page: ${noCanaries}`);
    const noEvents = missingWatchAccess(RESOURCES.events, namespace, events, options.reader);
    const eventsUnavailable = noEvents
      ? `Events unavailable: ${noEvents}, so the page shows the Canaries without their Events (and their weights only from when it started). ${options.eventsGrant}`
      : undefined;
    if (eventsUnavailable) log.error(eventsUnavailable);
    return new CanaryFeed(client, namespace, log, options.defaultProvider, eventsUnavailable);
  }

  /** Starts the watch of Canaries, and that of Events unless `eventsUnavailable` says why not. */
  private constructor(
    private readonly client: KubeClient,
    readonly namespace: string | undefined,
    log: Logger,
    private readonly defaultProvider: string | undefined,
    /** Why the page has no Events, shown on it; undefined when it watches them. */
    readonly eventsUnavailable: string | undefined,
  ) {
    this.canaries = startInformer(client, RESOURCES.canaries, { namespace, log });
    this.events = eventsUnavailable === undefined ? startInformer(client, RESOURCES.events, { namespace, log }) : undefined;
    const onCanary = (canary: Canary) => {
      this.history.record(canary, Date.now());
      this.changed(canary.metadata.namespace ?? '', canary.metadata.name ?? '');
    };
    this.canaries.onAdd(onCanary);
    this.canaries.onUpdate(onCanary);
    this.canaries.onDelete((canary) => {
      const ns = canary.metadata.namespace ?? '';
      const name = canary.metadata.name ?? '';
      this.history.forget(ns, name);
      this.owned.delete(keyOf(ns, name));
      this.changed(ns, name);
    });
    // Events of other kinds share the watch (a watch cannot select by involvedObject.kind) and are skipped here.
    const onEvent = (e: CanaryEvent) => {
      if (e.involvedObject?.kind === 'Canary' && e.involvedObject.name) this.pushDetail(e.involvedObject.namespace ?? '', e.involvedObject.name);
    };
    this.events?.onAdd(onEvent);
    this.events?.onUpdate(onEvent);
  }

  /** Resolves once the watches started have listed what exists. */
  get synced(): Promise<void> {
    return Promise.all([this.canaries.synced, this.events?.synced]).then(() => undefined);
  }

  /** Sends `stream` the list rows now and after every change, filtered to `namespace` when given. */
  subscribeList(stream: EventStream, namespace?: string, readOnly = false): void {
    const entry = { stream, namespace };
    this.listStreams.add(entry);
    stream.onClose(() => this.listStreams.delete(entry));
    stream.push('scope', () => ({ namespace: this.namespace ?? null, readOnly }));
    stream.push('rows', () => this.rows(namespace));
  }

  /**
   * Sends `stream` whether actions are possible, then the Canary page's view model now and after
   * every change of the Canary or its Events.
   */
  subscribeDetail(stream: EventStream, namespace: string, name: string, readOnly = false): void {
    stream.push('scope', () => ({ namespace: this.namespace ?? null, readOnly }));
    const key = keyOf(namespace, name);
    let set = this.detailStreams.get(key);
    if (!set) this.detailStreams.set(key, (set = new Set()));
    set.add(stream);
    stream.onClose(() => {
      set.delete(stream);
      if (set.size === 0) this.detailStreams.delete(key);
    });
    this.pushDetail(namespace, name);
  }

  async stop(): Promise<void> {
    await Promise.all([this.canaries.stop(), this.events?.stop()]);
  }

  private rows(namespace?: string) {
    const all = this.canaries.list();
    return { rows: canaryRows(this.canaries.list(namespace)), namespaces: [...new Set(all.map((c) => c.metadata.namespace ?? ''))].sort() };
  }

  private changed(namespace: string, name: string): void {
    for (const l of this.listStreams) l.stream.push('rows', () => this.rows(l.namespace));
    this.pushDetail(namespace, name);
  }

  private pushDetail(namespace: string, name: string): void {
    const streams = this.detailStreams.get(keyOf(namespace, name));
    if (!streams?.size) return;
    const canary = this.canaries.get(name, namespace);
    if (!canary) {
      for (const s of streams) s.push('gone', () => ({ namespace, name }));
      return;
    }
    const events = (this.events?.list(namespace) ?? []).filter((e) => e.involvedObject?.kind === 'Canary' && e.involvedObject.name === name);
    void this.ownedObjects(canary).then((owned) => {
      for (const s of streams) {
        s.push('detail', () => ({
          ...canaryDetail(canary, events, this.history.of(namespace, name), owned.objects, owned.routing),
          objectsError: owned.error,
          eventsUnavailable: this.eventsUnavailable,
        }));
      }
    });
  }

  /**
   * The objects in the Canary's namespace and its routing objects, read again only when its weight
   * or phase moved (the controller writes the objects of a step before its status).
   */
  private async ownedObjects(canary: Canary): Promise<OwnedEntry> {
    const ns = canary.metadata.namespace ?? '';
    const key = keyOf(ns, canary.metadata.name ?? '');
    const cached = this.owned.get(key);
    if (cached && cached.weight === canary.status?.canaryWeight && cached.phase === canary.status?.phase) return cached;
    const entry: OwnedEntry = { weight: canary.status?.canaryWeight, phase: canary.status?.phase, objects: [], routing: [] };
    const errors: string[] = [];
    try {
      for (const type of OWNED_KINDS) {
        const list = await this.client.list<KubeObject>(type, { namespace: ns });
        entry.objects.push(...list.items.map((o) => ({ ...o, kind: type.kind ?? o.kind })));
      }
    } catch (err) {
      errors.push(`cannot list the generated objects: ${messageOf(err)}`);
    }
    try {
      const stubs = routingStubsOf(canary, await readRoutingInputs(this.client, canary), { provider: this.defaultProvider });
      entry.routing = routingObjectViews(await readRoutingObjects(this.client, stubs));
    } catch (err) {
      errors.push(`cannot read the routing objects: ${messageOf(err)}`);
    }
    if (errors.length) entry.error = errors.join('; ');
    this.owned.set(key, entry);
    return entry;
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
