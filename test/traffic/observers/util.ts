// Small helpers shared by the provider observers.
import type { KObj } from '../types.js';

/** "podinfo-canary", "podinfo-canary.test", "podinfo-canary.test.svc.cluster.local" -> {name, namespace}. */
export function serviceFromHost(host: string, defaultNs: string): { name: string; namespace: string } {
  const parts = host.split('.');
  if (parts.length === 1) return { name: parts[0], namespace: defaultNs };
  if (parts.length === 2 || (parts.length >= 3 && parts[2] === 'svc')) return { name: parts[0], namespace: parts[1] };
  return { name: host, namespace: defaultNs }; // an external host: never resolves to a Service
}

export const ns = (o: KObj): string => o.metadata.namespace ?? 'default';
export const arr = <T = any>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;

/** The Canary that controls an object (ownerReference kind Canary), if any is known. */
export function owningCanary(o: KObj, canaries: KObj[]): KObj | undefined {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'Canary' && r.apiVersion.startsWith('flagger.app/'));
  if (!ref) return undefined;
  return canaries.find((c) => c.metadata.name === ref.name && (c.metadata.namespace ?? 'default') === (o.metadata.namespace ?? c.metadata.namespace));
}

/** The apiVersion the object was last written with (from managedFields), e.g. "split.smi-spec.io/v1alpha1".
 *  Needed because every served version of a CRD lists the same objects. */
export function writtenApiVersion(o: KObj): string | undefined {
  const mf = (o.metadata.managedFields ?? []).filter((f) => f.apiVersion);
  if (mf.length === 0) return undefined;
  const t = (f: (typeof mf)[number]) => (f.time ? new Date(f.time as string).getTime() : 0);
  return mf.reduce((a, b) => (t(b) >= t(a) ? b : a)).apiVersion;
}
