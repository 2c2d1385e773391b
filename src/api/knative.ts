// Knative Serving's Service as a Canary target (provider knative). It is not a core/v1 Service and
// has no primary workload: Knative makes a Revision of every template change, and Flagger moves
// traffic between two of them through the Service's own spec.traffic. The primary is the revision
// last promoted, named in an annotation on the Service; the canary is the latest revision.

/** The kind Sluice reads and writes, whatever version `targetRef.apiVersion` names in the group. */
export const KNATIVE_SERVICE = { apiVersion: 'serving.knative.dev/v1', group: 'serving.knative.dev', kind: 'Service', plural: 'services' } as const;

/** Flagger's record of the primary revision, on the Knative Service. */
export const PRIMARY_REVISION_ANNOTATION = 'flagger.app/primary-revision';

/** One entry of a Knative Service's spec.traffic or status.traffic. */
export interface TrafficTarget {
  revisionName?: string;
  latestRevision?: boolean;
  percent?: number;
  tag?: string;
}

/** What Sluice reads of a Knative Service. */
export interface KnativeServiceLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number; annotations?: Record<string, string> };
  spec?: { template?: unknown; traffic?: TrafficTarget[] };
  status?: {
    observedGeneration?: number;
    latestCreatedRevisionName?: string;
    latestReadyRevisionName?: string;
    traffic?: TrafficTarget[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** True when a targetRef names a Knative Service (Flagger tells it from a core/v1 Service by its group). */
export function isKnativeTarget(ref: { apiVersion?: string; kind?: string } | undefined): boolean {
  return ref?.kind === KNATIVE_SERVICE.kind && (ref.apiVersion ?? '').split('/')[0] === KNATIVE_SERVICE.group;
}

/** The revision the annotation names as primary, if any. */
export function primaryRevisionOf(service: KnativeServiceLike | undefined): string | undefined {
  return service?.metadata?.annotations?.[PRIMARY_REVISION_ANNOTATION] || undefined;
}

/** The canary: the revision Knative made of the current template (Flagger reads latestCreatedRevisionName). */
export function latestRevisionOf(service: KnativeServiceLike | undefined): string | undefined {
  return service?.status?.latestCreatedRevisionName || undefined;
}

/**
 * Flagger's spec.traffic at a split: the latest revision first, with the canary's percent, then the
 * primary revision with the rest.
 */
export function knativeTraffic(primaryRevision: string, weights: { primary: number; canary: number }): TrafficTarget[] {
  return [
    { latestRevision: true, percent: weights.canary },
    { revisionName: primaryRevision, percent: weights.primary },
  ];
}
