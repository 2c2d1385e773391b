// What decide() reads of a target or primary, whatever its kind. A Deployment is read as stored. A
// DaemonSet has no replica count: it reads as 0 replicas while Flagger's scale-to-zero node
// selector keeps its pods off every node, else as the number of nodes it should run on (at least
// 1, so that a DaemonSet its controller has not looked at yet never reads as scaled to zero); and
// its pod template reads without that node selector, so scaling never counts as a new revision.
// A Service (Flagger's ServiceController) has neither pods nor replicas: it reads as one replica,
// always ready, whose "template" is the spec its copies get, so a change of it is a new revision.
import type { KubeObject } from '../kube/index.js';
import type { DeploymentLike } from '../rollout/readiness.js';
import { isScaledToZeroBySelector, withoutScaleToZero } from '../synth/scale-to-zero.js';
import { serviceRevisionSource } from '../synth/service-copies.js';

export type WorkloadView = DeploymentLike & { apiVersion?: string; kind?: string };

/** `kind`: the targetRef's (a listed object may come without its kind). */
export function workloadView(kind: string, workload: KubeObject | undefined): WorkloadView | undefined {
  if (workload && kind === 'Service') {
    return { apiVersion: workload.apiVersion, kind, metadata: workload.metadata, spec: { replicas: 1, template: serviceRevisionSource(workload) } };
  }
  if (!workload || kind !== 'DaemonSet') return workload as WorkloadView | undefined;
  const ds = { ...workload, kind } as unknown as WorkloadView;
  const replicas = isScaledToZeroBySelector(ds as never) ? 0 : Math.max(1, ds.status?.desiredNumberScheduled ?? 0);
  const clean = withoutScaleToZero(ds as never) as WorkloadView;
  return { ...clean, spec: { ...clean.spec, replicas } };
}
