// What decide() reads of a Knative Service target: two Knative Revisions standing for the target
// and the primary workloads. The target is the latest revision (the Service's template, whose
// revision hash opens a rollout), the primary the revision the flagger.app/primary-revision
// annotation names (absent until initialization writes it). Knative scales revisions itself, so
// both read as running one replica: Flagger's scale-to-zero and scale-up are no-ops for them.
// Readiness comes from the Service's status, as Knative's controller reports it: the latest
// revision is ready once it is the latest ready one; the primary once Knative routes to it or it
// is the latest ready one.
import { latestRevisionOf, primaryRevisionOf, type KnativeServiceLike } from '../api/knative.js';
import type { WorkloadView } from './workload-view.js';

export const REVISION_KIND = 'Revision';

type Condition = NonNullable<NonNullable<WorkloadView['status']>['conditions']>[number];

function revisionView(service: KnativeServiceLike, name: string, ready: boolean, reason: string, template?: unknown): WorkloadView {
  const condition: Condition = { type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason }) };
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: REVISION_KIND,
    metadata: { name, ...(service.metadata?.namespace ? { namespace: service.metadata.namespace } : {}) },
    spec: { replicas: 1, ...(template !== undefined ? { template } : {}) },
    status: { conditions: [condition] },
  };
}

/** The latest revision of the Service, as the target; its template is the Service's. */
export function knativeTargetView(service: KnativeServiceLike): WorkloadView {
  const latest = latestRevisionOf(service);
  const observed = (service.status?.observedGeneration ?? 0) >= (service.metadata?.generation ?? 0);
  const ready = observed && latest !== undefined && service.status?.latestReadyRevisionName === latest;
  const reason =
    !observed || latest === undefined ? 'Knative has not created the revision of the current template yet' : `Knative Revision ${latest} is not ready`;
  return revisionView(service, latest ?? '', ready, reason, service.spec?.template);
}

/** The primary revision, or undefined before initialization named one. */
export function knativePrimaryView(service: KnativeServiceLike): WorkloadView | undefined {
  const primary = primaryRevisionOf(service);
  if (!primary) return undefined;
  const routed = (service.status?.traffic ?? []).some((t) => t.revisionName === primary);
  const ready = routed || service.status?.latestReadyRevisionName === primary;
  return revisionView(service, primary, ready, `Knative Revision ${primary} is not ready`);
}
