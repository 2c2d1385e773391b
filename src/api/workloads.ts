// The workloads a Canary can roll out and the autoscalers it can copy, one entry each. The CRD's
// enums, the validation rules and the operator's RBAC (src/install/permissions.ts) are derived
// from these tables; the controller and synthesis dispatch on the same kinds.
import { isKnativeTarget } from './knative.js';
import type { Provider } from './providers.js';

export interface WorkloadKind {
  readonly apiVersion: string;
  readonly group: string;
  readonly plural: string;
  /** Whether an autoscaler may scale it: a DaemonSet runs one pod per node, nothing to scale. */
  readonly scalable: boolean;
  /**
   * How the target is "scaled to zero" between rollouts: its replica count, (Flagger's way for a
   * DaemonSet) a node selector that matches no node, or not at all (a Service has no pods).
   */
  readonly scaleToZero: 'replicas' | 'node-selector' | 'none';
  /**
   * What `<name>-primary` and `<name>-canary` are: a primary workload with the apex, primary and
   * canary Services over its pods, or (Flagger's ServiceController) two copies of the target
   * Service itself, with no workload, no apex and nothing scaled.
   */
  readonly copies: 'workload' | 'service';
  /** The providers that can route for it, when not all of them can (validation names the rest). */
  readonly providers?: readonly Provider[];
}

export const TARGET_KINDS = {
  Deployment: { apiVersion: 'apps/v1', group: 'apps', plural: 'deployments', scalable: true, scaleToZero: 'replicas', copies: 'workload' },
  DaemonSet: { apiVersion: 'apps/v1', group: 'apps', plural: 'daemonsets', scalable: false, scaleToZero: 'node-selector', copies: 'workload' },
  // A core/v1 Service (Flagger's e2e writes `apiVersion: core/v1`); a Knative Service is another kind.
  // Flagger routes to its copies with the kubernetes provider (no routing at all) and Gateway API.
  Service: {
    apiVersion: 'v1',
    group: '',
    plural: 'services',
    scalable: false,
    scaleToZero: 'none',
    copies: 'service',
    providers: ['kubernetes', 'gatewayapi:v1', 'gatewayapi:v1beta1'],
  },
} as const satisfies Record<string, WorkloadKind>;

export type TargetKind = keyof typeof TARGET_KINDS;
export const SUPPORTED_TARGET_KINDS = Object.keys(TARGET_KINDS) as TargetKind[];

export function isSupportedTargetKind(kind: string | undefined): kind is TargetKind {
  return kind !== undefined && Object.hasOwn(TARGET_KINDS, kind);
}

/** The kind a targetRef names; Flagger's CRD defaults nothing, Sluice reads a missing kind as Deployment. */
export const targetKindOf = (ref: { kind?: string } | undefined): string => ref?.kind ?? 'Deployment';

/**
 * The table entry of the kind a targetRef names, or undefined for a kind Sluice does not serve here:
 * a Knative Service (serving.knative.dev) is provider knative's own target (knative.ts), not a
 * core/v1 Service.
 */
export function targetEntryOf(ref: { apiVersion?: string; kind?: string } | undefined): WorkloadKind | undefined {
  if (isKnativeTarget(ref)) return undefined;
  const kind = targetKindOf(ref);
  return isSupportedTargetKind(kind) ? TARGET_KINDS[kind] : undefined;
}

/** Whether the target is a Service: copied as `-primary` and `-canary`, never scaled, no pods of Sluice's. */
export const targetIsService = (ref: { apiVersion?: string; kind?: string } | undefined): boolean => targetEntryOf(ref)?.copies === 'service';

export interface AutoscalerKind {
  /** The version Sluice reads and writes, whatever `autoscalerRef.apiVersion` says. */
  readonly apiVersion: string;
  readonly group: string;
  readonly plural: string;
  /** Whether it is a CRD that a cluster may not have (discovered, watched once used). */
  readonly custom: boolean;
  /** Whether `autoscalerRef.primaryScalerQueries` means anything for it. */
  readonly takesQueries: boolean;
}

export const AUTOSCALER_KINDS = {
  HorizontalPodAutoscaler: { apiVersion: 'autoscaling/v2', group: 'autoscaling', plural: 'horizontalpodautoscalers', custom: false, takesQueries: false },
  ScaledObject: { apiVersion: 'keda.sh/v1alpha1', group: 'keda.sh', plural: 'scaledobjects', custom: true, takesQueries: true },
} as const satisfies Record<string, AutoscalerKind>;

export type AutoscalerKindName = keyof typeof AUTOSCALER_KINDS;
export const SUPPORTED_AUTOSCALER_KINDS = Object.keys(AUTOSCALER_KINDS) as AutoscalerKindName[];

/**
 * KEDA's pause annotation. Flagger sets it to "0" on the target's ScaledObject while the target is
 * scaled to zero (KEDA would scale it back up otherwise) and removes it when a rollout scales up.
 */
export const KEDA_PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';

/** The node selector Flagger gives a DaemonSet target to "scale it to zero": no node has this label. */
export const SCALE_TO_ZERO_NODE_SELECTOR: Readonly<Record<string, string>> = { 'flagger.app/scale-to-zero': 'true' };
