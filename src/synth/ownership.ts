// Metadata every generated object shares: the owner reference to its Canary (so deleting the
// Canary garbage-collects them) and the filtering of keys that belong to other controllers.
import type { OwnerReference } from 'cdk8s';
import { GROUP_VERSION, type Canary } from '../api/types.js';

/**
 * The controller owner reference to `canary`, as Flagger sets it; none when the Canary has no uid
 * (read from a file for `cdk8s synth`), since an owner reference without a uid is rejected.
 */
export function canaryOwnerReferences(canary: Canary): OwnerReference[] {
  const { name, uid } = canary.metadata;
  if (!uid || !name) return [];
  return [{ apiVersion: GROUP_VERSION, kind: 'Canary', name, uid, controller: true, blockOwnerDeletion: true }];
}

/**
 * Set on every object Sluice generates and keeps in step (Services and routing objects), as Flagger
 * does: Flux, when it applies the user's own manifests, then leaves alone what Sluice switches
 * (kustomize-controller) and does not report it as drift (helm-controller).
 */
export const FLUX_OPT_OUT_ANNOTATIONS: Readonly<Record<string, string>> = {
  'helm.toolkit.fluxcd.io/driftDetection': 'disabled',
  'kustomize.toolkit.fluxcd.io/reconcile': 'disabled',
};

/**
 * Keys that must not be copied onto generated objects: Flux's own bookkeeping (copying it would make
 * Flux believe it manages the copy), kubectl's record of the user's last apply, and the revision the
 * Deployment controller stamped on the target.
 */
export function isForeignKey(key: string): boolean {
  return key.includes('toolkit.fluxcd.io') || key === 'kubectl.kubernetes.io/last-applied-configuration' || key === 'deployment.kubernetes.io/revision';
}

/** `map` without foreign keys; undefined when nothing is left, so the field is not written at all. */
export function withoutForeignKeys(map: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!map) return undefined;
  const kept = Object.entries(map).filter(([k]) => !isForeignKey(k));
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/**
 * Labels (or annotations) kept by Flagger's `-include-label-prefix`: all of them when no prefix
 * list is given, otherwise those starting with one of the prefixes ("*" matches any, "" none, as
 * Flagger has it since 1.30). Foreign keys never pass.
 */
export function includedLabels(labels: Record<string, string> | undefined, prefixes: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (isForeignKey(key)) continue;
    if (!prefixes || prefixes.some((p) => p === '*' || (p !== '' && key.startsWith(p)))) out[key] = value;
  }
  return out;
}

/** includedLabels(), or undefined when nothing is kept, so the field is not written at all. */
export function includedOrNone(map: Record<string, string> | undefined, prefixes: readonly string[] | undefined): Record<string, string> | undefined {
  const kept = includedLabels(map, prefixes);
  return Object.keys(kept).length ? kept : undefined;
}
