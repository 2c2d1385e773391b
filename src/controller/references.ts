// The objects a Canary names besides its target and autoscaler, which synthesis copies from:
// the NGINX Ingress of `spec.ingressRef` (cloned as `<ingress>-canary`) and the Gloo Upstream of
// `spec.upstreamRef` (its TLS and connection settings). The controller reads them from watches,
// so an edit of the user's Ingress or Upstream brings the Canary back to carry it over.
import type { Canary } from '../api/types.js';
import type { KubeObject } from '../kube/index.js';

export type ReferenceRole = 'ingress' | 'upstream';

/** One referenced object, as a stub (apiVersion, kind, name, namespace) to look up. */
export interface Reference {
  readonly role: ReferenceRole;
  /** The spec field that names it, for messages. */
  readonly field: string;
  readonly object: KubeObject;
}

/** Flagger reads the Ingress as networking.k8s.io/v1 whatever `ingressRef.apiVersion` says. */
const INGRESS_API_VERSION = 'networking.k8s.io/v1';
const UPSTREAM_API_VERSION = 'gloo.solo.io/v1';

const stub = (apiVersion: string, kind: string, name: string, namespace: string): KubeObject =>
  ({ apiVersion, kind, metadata: { name, namespace } });

/** What the Canary references; the Ingress lives in the Canary's namespace, an Upstream may not. */
export function referencesOf(canary: Canary): Reference[] {
  const namespace = canary.metadata.namespace ?? 'default';
  const { ingressRef, upstreamRef } = canary.spec ?? {};
  const out: Reference[] = [];
  if (ingressRef?.name) {
    out.push({ role: 'ingress', field: 'spec.ingressRef', object: stub(INGRESS_API_VERSION, 'Ingress', ingressRef.name, namespace) });
  }
  if (upstreamRef?.name) {
    out.push({
      role: 'upstream',
      field: 'spec.upstreamRef',
      object: stub(UPSTREAM_API_VERSION, 'Upstream', upstreamRef.name, upstreamRef.namespace ?? namespace),
    });
  }
  return out;
}

/** Whether `object` is one that `canary` references (by kind, name and namespace; any version). */
export function refersTo(canary: Canary, object: KubeObject): boolean {
  return referencesOf(canary).some(({ object: ref }) =>
    ref.kind === object.kind &&
    ref.apiVersion.split('/')[0] === object.apiVersion.split('/')[0] &&
    ref.metadata.name === object.metadata.name &&
    ref.metadata.namespace === object.metadata.namespace);
}

/** Kinds whose changes may concern a Canary that references them (not only the owner). */
export function isReferencedKind(object: KubeObject): boolean {
  return (object.kind === 'Ingress' && object.apiVersion.startsWith('networking.k8s.io/')) ||
    (object.kind === 'Upstream' && object.apiVersion.startsWith('gloo.solo.io/'));
}

/** Thrown when a referenced object does not exist: the Canary cannot be synthesized yet. */
export class MissingReferenceError extends Error {
  constructor(readonly reference: Reference) {
    const { kind, metadata } = reference.object;
    super(`${reference.field} names ${kind} ${metadata.namespace}/${metadata.name}, which does not exist`);
  }
}
