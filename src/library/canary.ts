// The Canary construct: a flagger.app/v1beta1 Canary in the user's own cdk8s chart, with the
// props of a `cdk8s import` class ({ metadata, spec }) typed from the CRD schema. It checks itself
// with `sluice validate`'s rules when the app is synthesized, so `cdk8s synth` fails naming the
// field, with the message `sluice validate` and the admission webhook would give.
import { ApiObject, Lazy, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import { GROUP_VERSION } from '../api/types.js';
import { validateCanary } from '../api/validate.js';
import type { CanarySpec, CanarySpecService } from './spec-types.js';
import { containerPortOf, targetObjectOf, targetProblems, targetRefOf, type TargetRefProp } from './target.js';
import { checkedWith } from './validation.js';
import type { DeploymentJson } from '../synth/kube-json.js';

/** spec.service, whose port may be left to the target's container ports. */
export interface CanaryServiceProps extends Omit<CanarySpecService, 'port'> {
  /**
   * ClusterIP port number of the generated Services.
   * @default - when spec.targetRef is a construct, its container port named or numbered by
   * targetPort, else its first container port; required with a plain targetRef
   */
  readonly port?: number;
}

/** The Canary spec, as in the CRD, with a target that may be a construct. */
export interface CanaryPropsSpec extends Omit<CanarySpec, 'targetRef' | 'service'> {
  /**
   * The Deployment to roll out: a reference ({ apiVersion: 'apps/v1', kind: 'Deployment', name }),
   * or the Deployment construct itself (cdk8s-plus `Deployment`, or an `ApiObject` of kind
   * Deployment), whose apiVersion, kind and name are read when the chart is synthesized.
   */
  readonly targetRef: TargetRefProp;
  /**
   * The Services Sluice generates (apex, primary, canary) and their routing.
   * @default - { port } with the port read from the targetRef construct's containers
   */
  readonly service?: CanaryServiceProps;
}

export interface CanaryProps {
  /**
   * The Canary's metadata.
   * @default - a name cdk8s derives from the construct path, in the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /** How the target is rolled out: routing provider, Services and analysis. */
  readonly spec: CanaryPropsSpec;
}

/**
 * A flagger.app/v1beta1 Canary: Sluice (or Flagger) rolls out each new revision of its target
 * step by step. Validated at synth time with the rules of `sluice validate`.
 */
export class Canary extends ApiObject {
  static readonly GVK: GroupVersionKind = { apiVersion: GROUP_VERSION, kind: 'Canary' };

  /** The workload construct given as spec.targetRef; undefined for a plain reference. */
  readonly target?: ApiObject;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id, {
      ...Canary.GVK,
      ...(props.metadata ? { metadata: props.metadata } : {}),
      // Rendered at synth time: the target construct may still change after this line.
      spec: Lazy.any({ produce: () => canarySpecJson(props.spec) }),
    });
    this.target = targetObjectOf(props.spec.targetRef);
    // Listed after its Deployment in the output, so an apply creates the target first.
    if (this.target) this.node.addDependency(this.target);
    checkedWith(this, () => [...(this.target ? targetProblems(this.target, this.metadata.namespace) : []), ...validateCanary(this.toJson())]);
  }
}

/** The spec as it is written to the Canary: the target read into a reference, the port filled in. */
export function canarySpecJson(spec: CanaryPropsSpec): Record<string, unknown> {
  const { targetRef, service, ...rest } = spec;
  const target = targetObjectOf(targetRef);
  const port = service?.port ?? (target ? containerPortOf(target.toJson() as DeploymentJson, service?.targetPort) : undefined);
  return {
    ...rest,
    targetRef: targetRefOf(targetRef, target),
    service: { ...service, ...(port !== undefined ? { port } : {}) },
  };
}
