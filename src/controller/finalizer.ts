// revertOnDeletion: when such a Canary is deleted, hand the workload back to the user without
// downtime before the garbage collector removes what Sluice generated. The target is scaled back
// up, the apex Service is re-pointed at the target's pods and released from the Canary (so it is
// not garbage-collected), a user's VirtualService that Sluice took over gets its own spec back,
// and only then is the finalizer removed.
import type { Canary } from '../api/types.js';
import type { ResolvedCanary } from '../api/defaults.js';
import { workloadReadiness, type DeploymentLike } from '../rollout/readiness.js';
import { id } from '../rollout/messages.js';
import { RESOURCES, isNotFound, type KubeClient, type KubeObject } from '../kube/index.js';
import type { RolloutEvent } from '../rollout/decision.js';
import { VirtualService } from '../imports/istio-virtualservice-networking.istio.io.js';
import { ownedBy, virtualServiceRestore } from './takeover-objects.js';

export const FINALIZER = 'finalizer.flagger.app';

export function hasFinalizer(canary: Canary): boolean {
  return (canary.metadata.finalizers ?? []).includes(FINALIZER);
}

/** The finalizer list a Canary should have: ours exactly when revertOnDeletion is set. */
export function wantedFinalizers(canary: Canary): string[] | undefined {
  const current = canary.metadata.finalizers ?? [];
  const want = canary.spec.revertOnDeletion === true && !canary.metadata.deletionTimestamp;
  if (want === current.includes(FINALIZER)) return undefined;
  return want ? [...current, FINALIZER] : current.filter((f) => f !== FINALIZER);
}

export type FinalizeStep =
  { kind: 'scale-target'; replicas: number; event: RolloutEvent } | { kind: 'wait'; reason: string } | { kind: 'release'; events: RolloutEvent[] };

/** Pure: the next thing to do for a deleted Canary, from its target and primary. */
export function finalizeStep(r: ResolvedCanary, target: DeploymentLike | undefined, primary: DeploymentLike | undefined): FinalizeStep {
  const t = id(r.targetName, r.namespace);
  const wanted = Math.max(1, primary?.spec?.replicas ?? 1);
  if (target && (target.spec?.replicas ?? 0) === 0) {
    return { kind: 'scale-target', replicas: wanted, event: { type: 'Normal', message: `Terminating canary ${t}` } };
  }
  const ready = workloadReadiness(target, 100);
  if (target && !ready.ready) return { kind: 'wait', reason: ready.reason };
  return { kind: 'release', events: [{ type: 'Normal', message: `Terminated canary ${t}` }] };
}

/**
 * Re-points the apex Service at the target's pods and drops the Canary's ownership of it.
 * `selectorLabel` is the target's selector label (app, name or app.kubernetes.io/name).
 */
export async function releaseApexService(client: KubeClient, r: ResolvedCanary, target: KubeObject | undefined, canaryUid: string | undefined): Promise<void> {
  const apex = await client.getIfExists<KubeObject>(RESOURCES.services, r.service.name, r.namespace);
  if (!apex) return;
  const owners = (apex.metadata.ownerReferences ?? []).filter((o) => o.uid !== canaryUid);
  const matchLabels = (target?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels ?? {};
  await client.mergePatch(RESOURCES.services, r.service.name, r.namespace, {
    metadata: { ownerReferences: owners },
    ...(Object.keys(matchLabels).length ? { spec: { selector: matchLabels } } : {}),
  });
}

/**
 * Istio: a VirtualService the user had before the Canary (taken over, never owned by it) gets the
 * spec Sluice found, as Flagger's router Finalize does. Returns whether one was restored.
 */
export async function restoreVirtualService(client: KubeClient, r: ResolvedCanary, canaryUid: string | undefined): Promise<boolean> {
  if (r.provider !== 'istio') return false;
  const { apiVersion, kind } = VirtualService.GVK;
  // Without Istio's CRD there is no VirtualService to give back, and the deletion must not wait for one.
  const type = await client.discovery.resourceFor(apiVersion, kind).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (!type) return false;
  const live = await client.getIfExists<KubeObject>(type, r.service.name, r.namespace);
  if (!live || ownedBy(live, canaryUid)) return false;
  const patch = virtualServiceRestore(live);
  if (!patch) return false;
  await client.mergePatch(type, r.service.name, r.namespace, patch);
  return true;
}
