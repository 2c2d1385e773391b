// Generated objects that already exist when Sluice first writes them, and that someone else wrote:
// a user's own apex Service, a user's VirtualService. Flagger takes them over; so does Sluice.
//
// A Service's ports: server-side apply, even forced, only takes over the fields Sluice's object
// names. Service ports are a list keyed by port and protocol, so a port someone else wrote (the
// user's 9898 `http`) stays beside Sluice's (80 `http`) and the apiserver refuses the pair (422,
// duplicate name). As Flagger, which replaces a Service's ports, Sluice replaces the list once
// with a merge patch (lists are replaced whole), conditional on the version it saw; the apply
// that follows then meets only its own ports.
//
// A Service the Canary does not own (the user's, written before it): as Flagger's router, Sluice
// writes its ports and selector only. It does not become the Canary's (no owner reference), so
// deleting the Canary, with or without revertOnDeletion, leaves the user's Service to the user,
// and its labels and annotations stay the user's.
//
// A VirtualService that a user wrote: as Flagger, Sluice takes its spec over but does not make
// it the Canary's (no owner reference), so deleting the Canary does not delete the user's
// routing; it keeps the spec it found in `flagger.kubernetes.io/original-configuration` unless
// `kubectl apply` keeps one already in `kubectl.kubernetes.io/last-applied-configuration`, and a
// revertOnDeletion Canary puts that spec back when it is deleted (finalizer.ts).
import type { KubeObject } from '../kube/index.js';
import { FLUX_OPT_OUT_ANNOTATIONS } from '../synth/ownership.js';

export const ORIGINAL_CONFIGURATION_ANNOTATION = 'flagger.kubernetes.io/original-configuration';
export const KUBECTL_LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface ObjectTakeover {
  /** The object to apply: the synthesized one, or what taking over the live one turns it into. */
  readonly apply: KubeObject;
  /** A merge patch to write first, conditional on the live version. */
  readonly patchFirst?: Record<string, unknown>;
}

/**
 * How to write `desired` over `live` (undefined: not known; null: does not exist). `canaryUid`
 * tells the Canary's own objects from those it found.
 */
export function takeOver(desired: KubeObject, live: KubeObject | null | undefined, canaryUid: string | undefined): ObjectTakeover {
  if (!live) return { apply: desired };
  if (isService(desired)) return { apply: isForeign(live, canaryUid) ? foreignService(desired) : desired, ...portsTakeover(desired, live) };
  if (isVirtualService(desired) && !ownedBy(live, canaryUid)) return { apply: foreignVirtualService(desired, live) };
  return { apply: desired };
}

/** Whether `object` carries the controller reference to the Canary with this uid. */
export function ownedBy(object: KubeObject, canaryUid: string | undefined): boolean {
  return canaryUid !== undefined && ((object.metadata.ownerReferences as { uid?: string }[] | undefined) ?? []).some((r) => r.uid === canaryUid);
}

/** Written by someone else: not the Canary's (an unknown uid tells nothing, and changes nothing). */
const isForeign = (live: KubeObject, canaryUid: string | undefined) => canaryUid !== undefined && !ownedBy(live, canaryUid);

export function isVirtualService(o: KubeObject): boolean {
  return o.kind === 'VirtualService' && o.apiVersion.startsWith('networking.istio.io/');
}

const isService = (o: KubeObject) => o.kind === 'Service' && o.apiVersion === 'v1';

interface PortJson {
  port?: number;
  protocol?: string;
}
const portsOf = (o: KubeObject) => (o.spec as { ports?: PortJson[] } | undefined)?.ports ?? [];
const portKey = (p: PortJson) => `${p.port}/${p.protocol ?? 'TCP'}`;

/** A replace of the live ports when some of them are not Sluice's, else nothing. */
function portsTakeover(desired: KubeObject, live: KubeObject): Pick<ObjectTakeover, 'patchFirst'> {
  const wanted = new Set(portsOf(desired).map(portKey));
  if (portsOf(live).every((p) => wanted.has(portKey(p)))) return {};
  return { patchFirst: { metadata: { resourceVersion: live.metadata.resourceVersion }, spec: { ports: portsOf(desired) } } };
}

/** The user's Service as Sluice writes it: its spec (ports, selector), nothing of its metadata. */
function foreignService(desired: KubeObject): KubeObject {
  const { name, namespace } = desired.metadata;
  return { ...desired, metadata: { name, namespace } };
}

/** The user's VirtualService as Sluice writes it: not owned by the Canary, its original spec kept. */
function foreignVirtualService(desired: KubeObject, live: KubeObject): KubeObject {
  const { ownerReferences: _notOurs, ...metadata } = desired.metadata;
  const liveAnnotations = live.metadata.annotations ?? {};
  // Recorded once: later the live spec is Sluice's own. kubectl's record already holds the user's.
  const original =
    liveAnnotations[ORIGINAL_CONFIGURATION_ANNOTATION] ??
    (liveAnnotations[KUBECTL_LAST_APPLIED_ANNOTATION] === undefined ? JSON.stringify(live.spec ?? {}) : undefined);
  if (original === undefined) return { ...desired, metadata };
  return { ...desired, metadata: { ...metadata, annotations: { ...metadata.annotations, [ORIGINAL_CONFIGURATION_ANNOTATION]: original } } };
}

/**
 * The merge patch that gives a user's VirtualService back its spec, as Flagger's Finalize does:
 * from kubectl's record when there is one, else from the original configuration. Keys the
 * original lacks are deleted; the Flux opt-out annotations Sluice added go, so Flux manages the
 * user's object again. Undefined when there is nothing to restore from (Flagger then leaves it).
 */
export function virtualServiceRestore(live: KubeObject): Record<string, unknown> | undefined {
  const annotations = live.metadata.annotations ?? {};
  const fromKubectl = parsed(annotations[KUBECTL_LAST_APPLIED_ANNOTATION]) as
    { spec?: unknown; metadata?: { annotations?: Record<string, string> } } | undefined;
  const spec = fromKubectl ? fromKubectl.spec : parsed(annotations[ORIGINAL_CONFIGURATION_ANNOTATION]);
  if (!isObject(spec)) return undefined;
  const liveSpec = isObject(live.spec) ? live.spec : {};
  const removed = Object.fromEntries(
    Object.keys(liveSpec)
      .filter((k) => !(k in spec))
      .map((k) => [k, null]),
  );
  const keptAnnotations = fromKubectl?.metadata?.annotations ?? {};
  const fluxOptOut = Object.fromEntries(FLUX_OPT_OUT_KEYS.filter((k) => k in annotations && !(k in keptAnnotations)).map((k) => [k, null]));
  return {
    metadata: { resourceVersion: live.metadata.resourceVersion, ...(Object.keys(fluxOptOut).length ? { annotations: fluxOptOut } : {}) },
    spec: { ...removed, ...spec },
  };
}

const FLUX_OPT_OUT_KEYS = Object.keys(FLUX_OPT_OUT_ANNOTATIONS);

function parsed(json: string | undefined): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
