// The objects a Canary names besides its target and autoscaler, which synthesis copies from:
// the NGINX Ingress of `spec.ingressRef` (cloned as `<ingress>-canary`) and the Gloo Upstream of
// `spec.upstreamRef` (its TLS and connection settings). The controller reads them from watches,
// so an edit of the user's Ingress or Upstream brings the Canary back to carry it over.
import { REFERENCE_FIELDS, type ReferenceField, type ReferenceRole as ProviderReferenceRole } from '../api/providers.js';
import type { Canary } from '../api/types.js';
import { AUTOSCALER_KINDS } from '../api/workloads.js';
import { isKnativeTarget, KNATIVE_SERVICE } from '../api/knative.js';
import type { KubeObject } from '../kube/index.js';

/**
 * A provider's references, and the autoscaler of `spec.autoscalerRef` when it is a custom kind (a
 * KEDA ScaledObject): a cluster may not have its CRD, so it is watched only once a Canary names one.
 * A Knative Service target is one too, for the same reason (src/api/knative.ts).
 */
export type ReferenceRole = ProviderReferenceRole | 'scaledObject' | 'knativeService';

const SCALED_OBJECT = AUTOSCALER_KINDS.ScaledObject;

/** One referenced object, as a stub (apiVersion, kind, name, namespace) to look up. */
export interface Reference {
  readonly role: ReferenceRole;
  /** The spec field that names it, for messages. */
  readonly field: string;
  readonly object: KubeObject;
}

const stub = (apiVersion: string, kind: string, name: string, namespace: string): KubeObject => ({ apiVersion, kind, metadata: { name, namespace } });

/**
 * What the Canary references, whatever its provider (src/api/providers.ts says which fields a
 * provider reads); an Ingress lives in the Canary's namespace, an Upstream may not.
 */
export function referencesOf(canary: Canary): Reference[] {
  const namespace = canary.metadata.namespace ?? 'default';
  const out: Reference[] = [];
  for (const [field, what] of Object.entries(REFERENCE_FIELDS) as [ReferenceField, (typeof REFERENCE_FIELDS)[ReferenceField]][]) {
    const ref = canary.spec?.[field];
    if (!ref?.name) continue;
    const where = (what.crossNamespace ? ref.namespace : undefined) ?? namespace;
    out.push({ role: what.role, field: `spec.${field}`, object: stub(what.apiVersion, what.kind, ref.name, where) });
  }
  const scaler = canary.spec?.autoscalerRef;
  if (scaler?.kind === 'ScaledObject' && scaler.name) {
    out.push({ role: 'scaledObject', field: 'spec.autoscalerRef', object: stub(SCALED_OBJECT.apiVersion, 'ScaledObject', scaler.name, namespace) });
  }
  const target = canary.spec?.targetRef;
  if (isKnativeTarget(target) && target.name) {
    out.push({ role: 'knativeService', field: 'spec.targetRef', object: stub(KNATIVE_SERVICE.apiVersion, KNATIVE_SERVICE.kind, target.name, namespace) });
  }
  return out;
}

/** Whether `object` is one that `canary` references (by kind, name and namespace; any version). */
export function refersTo(canary: Canary, object: KubeObject): boolean {
  return referencesOf(canary).some(
    ({ object: ref }) =>
      ref.kind === object.kind &&
      ref.apiVersion.split('/')[0] === object.apiVersion.split('/')[0] &&
      ref.metadata.name === object.metadata.name &&
      ref.metadata.namespace === object.metadata.namespace,
  );
}

/** Kinds whose changes may concern a Canary that references them (not only the owner). */
export function isReferencedKind(object: KubeObject): boolean {
  if (object.kind === 'ScaledObject' && object.apiVersion.startsWith(`${SCALED_OBJECT.group}/`)) return true;
  if (isKnativeTarget(object)) return true;
  return Object.values(REFERENCE_FIELDS).some((what) => object.kind === what.kind && object.apiVersion.startsWith(`${what.apiVersion.split('/')[0]}/`));
}

/** Thrown when a referenced object does not exist: the Canary cannot be synthesized yet. */
export class MissingReferenceError extends Error {
  constructor(readonly reference: Reference) {
    const { kind, metadata } = reference.object;
    super(`${reference.field} names ${kind} ${metadata.namespace}/${metadata.name}, which does not exist`);
  }
}
