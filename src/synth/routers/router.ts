// One router per traffic provider, all behind this interface (as in Flagger's pkg/router): adding a
// provider means one new file here, its entry in src/api/providers.ts and one line in the registry
// (which the compiler asks for). A router only describes objects;
// it never reads or writes the cluster.
import type { ApiObject, OwnerReference } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ResolvedCanary } from '../../api/defaults.js';
import type { Referenced } from '../../api/providers.js';
import type { Canary } from '../../api/types.js';
import { fail } from '../errors.js';
import type { KubeObject } from '../kube-json.js';
import type { ServiceNames } from '../names.js';
import type { SelectorLabel } from '../selector-label.js';
import type { PodSet } from '../services.js';

/** Where traffic goes: percentages that add up to 100, and whether live traffic is shadowed to the canary. */
export interface RouteWeights {
  readonly primary: number;
  readonly canary: number;
  readonly mirror: boolean;
}

/** Everything a router may read. */
export interface RouteContext {
  /** The Canary as stored: routers read annotations (kuma.io/mesh) and field paths for messages from it. */
  readonly canary: Canary;
  /** The Canary with defaults applied: service, strategy, A/B match. */
  readonly resolved: ResolvedCanary;
  readonly names: ServiceNames;
  readonly namespace: string;
  readonly weights: RouteWeights;
  /** The label that tells primary from canary pods; none for a Service target, which has no pods of Sluice's. */
  readonly selector?: SelectorLabel;
  /** Empty when the Canary has no uid. */
  readonly ownerReferences: OwnerReference[];
  /** The objects the Canary's reference fields name (REFERENCE_FIELDS): its Ingress, Upstream, ApisixRoute. */
  readonly referenced: Referenced<KubeObject>;
  /** NGINX annotation prefix. @default nginx.ingress.kubernetes.io */
  readonly ingressAnnotationsPrefix?: string;
  /** Flagger's -ingress-class: Contour's `spec.ingressClassName`. @default none */
  readonly ingressClass?: string;
}

export interface Router {
  /** The `spec.provider` value this router serves. */
  readonly provider: string;
  /**
   * The provider's routing objects at `ctx.weights`, created under `scope` in the order to apply them.
   * Throws a SynthError naming the field when the Canary lacks what the provider needs.
   */
  routes(scope: Construct, ctx: RouteContext): ApiObject[];
  /**
   * The pods the apex Service selects at `ctx.weights`. Routers that split traffic themselves leave
   * it at the primary; the kubernetes router switches it.
   */
  apexSelects?(ctx: RouteContext): PodSet;
}

/** The pods' selector label, for a router that selects pods itself; a Service target has none. */
export function podSelectorOf(scope: Construct, ctx: RouteContext): SelectorLabel {
  return (
    ctx.selector ??
    fail(scope, 'spec.targetRef.kind', `provider ${ctx.resolved.provider} selects the target's pods, and a ${ctx.canary.spec.targetRef.kind} target has none`)
  );
}
