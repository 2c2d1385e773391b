// Whether a Deployment has finished rolling out, read from its status the way
// `kubectl rollout status` and Flagger read it, with Flagger's wording for the reason.

export interface DeploymentLike {
  /** Absent or `Deployment`; a `DaemonSet` is read by daemonSetReadiness, a Knative `Revision` by revisionReadiness; a `Service` is always ready. */
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number; annotations?: Record<string, string> };
  spec?: { replicas?: number; template?: unknown; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string; lastTransitionTime?: string }[];
    /** A DaemonSet's: the nodes that should run its pod, run the current one, have it available. */
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not, in Flagger's words ("waiting for rollout to finish: 1 out of 2 new replicas have been updated"). */
  readonly reason: string;
  /** The Deployment itself reports ProgressDeadlineExceeded: waiting longer will not help. */
  readonly stuck: boolean;
}

const READY: Readiness = { ready: true, reason: '', stuck: false };
const waiting = (reason: string, stuck = false): Readiness => ({ ready: false, reason, stuck });

/**
 * Readiness of a target or primary of any kind: a DaemonSet's pods are counted per node; a Knative
 * Revision is read as Knative reports it; a Service that exists is ready (Flagger's
 * ServiceController has no pods to wait for).
 */
export function workloadReadiness(workload: DeploymentLike | undefined, readyThreshold = 100): Readiness {
  if (workload?.kind === 'Service') return READY;
  if (workload?.kind === 'Revision') return revisionReadiness(workload);
  return workload?.kind === 'DaemonSet' ? daemonSetReadiness(workload) : deploymentReadiness(workload, readyThreshold);
}

/**
 * A Knative Revision (src/controller/knative-view.ts): its Ready condition, as Knative sets it once
 * the revision's pods serve. Knative's own autoscaler decides how many; no threshold applies.
 */
export function revisionReadiness(revision: DeploymentLike): Readiness {
  const ready = revision.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return READY;
  return waiting(ready?.reason ?? `Knative Revision ${revision.metadata?.name ?? ''} is not ready`);
}

/**
 * Whether a DaemonSet has its current pod on every node it should run on, and available there,
 * the way `kubectl rollout status` and Flagger read it (Flagger applies no ready threshold to it).
 */
export function daemonSetReadiness(ds: DeploymentLike | undefined): Readiness {
  if (!ds) return waiting('daemonset not found');
  const st = ds.status ?? {};
  if ((ds.metadata?.generation ?? 0) > (st.observedGeneration ?? 0)) {
    return waiting('waiting for rollout to finish: observed daemonset generation less than desired generation');
  }
  const desired = st.desiredNumberScheduled ?? 0;
  const updated = st.updatedNumberScheduled ?? 0;
  const available = st.numberAvailable ?? 0;
  if (updated < desired) return waiting(`waiting for rollout to finish: ${updated} out of ${desired} new pods have been updated`);
  if (available < desired) return waiting(`waiting for rollout to finish: ${available} of ${desired} updated pods are available`);
  return READY;
}

/**
 * @param readyThreshold percentage of updated replicas that must be available (Flagger's
 *        primaryReadyThreshold / canaryReadyThreshold, default 100).
 */
export function deploymentReadiness(dep: DeploymentLike | undefined, readyThreshold = 100): Readiness {
  if (!dep) return waiting('deployment not found');
  const st = dep.status ?? {};
  if ((dep.metadata?.generation ?? 0) > (st.observedGeneration ?? 0)) {
    return waiting('waiting for rollout to finish: observed deployment generation less than desired generation');
  }
  const progressing = st.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return waiting(`deployment "${dep.metadata?.name ?? ''}" exceeded its progress deadline`, true);
  }
  return replicasReadiness(dep.spec?.replicas ?? 1, st, readyThreshold);
}

/** Whether the replicas of the observed generation are all updated, the old ones gone, and enough available. */
function replicasReadiness(desired: number, st: NonNullable<DeploymentLike['status']>, readyThreshold: number): Readiness {
  const updated = st.updatedReplicas ?? 0;
  const total = st.replicas ?? 0;
  const available = st.availableReplicas ?? 0;
  if (updated < desired) {
    return waiting(`waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated`);
  }
  if (total > updated) {
    return waiting(`waiting for rollout to finish: ${total - updated} old replicas are pending termination`);
  }
  const needed = Math.ceil((readyThreshold / 100) * updated);
  if (available < needed) {
    return waiting(`waiting for rollout to finish: ${available} of ${updated} (readyThreshold ${readyThreshold}%) updated replicas are available`);
  }
  return READY;
}
