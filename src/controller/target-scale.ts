// Scaling the target, and pausing its KEDA ScaledObject, as Flagger does. A Deployment gets its
// replica count; a DaemonSet cannot be scaled and gets (0) or loses (>0) Flagger's node selector
// that matches no node. A ScaledObject is paused with KEDA's `paused-replicas: "0"` while its
// target is at zero (KEDA would scale it back up) and resumed before the target scales up.
import { KEDA_PAUSED_REPLICAS } from '../api/workloads.js';
import { RESOURCES, type KubeClient, type KubeObject } from '../kube/index.js';
import { isScaledToZeroBySelector, scaleToZeroPatch } from '../synth/scale-to-zero.js';

/** Whether `target` (as stored) already runs as `replicas` asks: at zero, or up. */
export function isScaledAs(kind: string, target: KubeObject, replicas: number): boolean {
  if (kind === 'DaemonSet') return isScaledToZeroBySelector(target as never) === (replicas === 0);
  return (target.spec as { replicas?: number } | undefined)?.replicas === replicas;
}

export async function scaleTarget(client: KubeClient, kind: string, name: string, namespace: string, replicas: number): Promise<void> {
  if (kind === 'DaemonSet') {
    await client.mergePatch(RESOURCES.daemonSets, name, namespace, scaleToZeroPatch(replicas === 0));
    return;
  }
  await client.mergePatch(RESOURCES.deployments, name, namespace, { spec: { replicas } });
}

/** Whether the target's ScaledObject is paused at zero replicas. */
export function isScalerPaused(scaledObject: KubeObject): boolean {
  return scaledObject.metadata.annotations?.[KEDA_PAUSED_REPLICAS] === '0';
}

/** Pauses (`paused`) or resumes the target's ScaledObject; a merge patch of its annotations only. */
export async function setScalerPaused(client: KubeClient, scaledObject: KubeObject, paused: boolean): Promise<void> {
  const type = await client.discovery.resourceFor(scaledObject.apiVersion, scaledObject.kind);
  await client.mergePatch(type, scaledObject.metadata.name!, scaledObject.metadata.namespace, {
    metadata: { annotations: { [KEDA_PAUSED_REPLICAS]: paused ? '0' : null } },
  });
}
