// Knative: no object of its own. Flagger splits traffic in the target Knative Service's spec.traffic
// between the latest revision (the canary) and the revision named by the flagger.app/primary-revision
// annotation (the primary), and promotes by moving that annotation to the latest revision. Sluice
// applies just those two fields of the user's Service (server-side apply owns nothing else of it), with
// no owner reference: the Service is the user's, as a Deployment target is.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  KNATIVE_SERVICE,
  PRIMARY_REVISION_ANNOTATION,
  knativeTraffic,
  latestRevisionOf,
  primaryRevisionOf,
  type KnativeServiceLike,
} from '../../api/knative.js';
import { fail } from '../errors.js';
import type { RouteWeights, Router } from './router.js';

export interface KnativeRouteInput {
  /** The Knative Service spec.targetRef names, as read (its status gives the latest revision). */
  readonly service: KnativeServiceLike;
  readonly namespace: string;
  readonly weights: RouteWeights;
  /** Initialization or promotion: the latest revision becomes the primary one. */
  readonly promote: boolean;
}

/**
 * The revision Knative makes of a Service's template when its status does not say yet (a Service
 * read from a file): the template's own name, else `<service>-<generation, 5 digits>`, Knative's
 * naming of a configuration's revisions.
 */
export function expectedLatestRevision(service: KnativeServiceLike): string {
  const template = service.spec?.template as { metadata?: { name?: string } } | undefined;
  const generation = service.metadata?.generation ?? 1;
  return template?.metadata?.name ?? `${service.metadata?.name ?? ''}-${String(generation).padStart(5, '0')}`;
}

/** The target Service's primary-revision annotation and spec.traffic at `weights`. */
export function knativeRoutes(scope: Construct, input: KnativeRouteInput): ApiObject[] {
  const { service, namespace, weights } = input;
  if (weights.mirror) fail(scope, 'spec.analysis.mirror', 'provider knative cannot mirror traffic');
  const latest = latestRevisionOf(service) ?? expectedLatestRevision(service);
  const primary = input.promote ? latest : (primaryRevisionOf(service) ?? latest);
  const name = service.metadata?.name ?? '';
  return [
    new ApiObject(scope, `Service-${name}`, {
      apiVersion: KNATIVE_SERVICE.apiVersion,
      kind: KNATIVE_SERVICE.kind,
      metadata: { name, namespace, annotations: { [PRIMARY_REVISION_ANNOTATION]: primary } },
      spec: { traffic: knativeTraffic(primary, weights) },
    } as never),
  ];
}

/** In the registry for completeness: a knative Canary's routes come from its target (knativeRoutes). */
export const knativeRouter: Router = {
  provider: 'knative',
  routes(scope) {
    return fail(scope, 'spec.targetRef', 'provider knative routes between the revisions of a Knative Service: target a serving.knative.dev/v1 Service');
  },
};
