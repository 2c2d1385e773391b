// spec.targetRef of a Canary construct: a plain reference, or the user's Deployment construct
// (cdk8s-plus `Deployment`, or an `ApiObject` of kind Deployment). A construct is read when the
// chart is synthesized, not when the Canary is declared, so a Deployment changed afterwards (a
// container added, a name set by a later aspect) is still read right.
import { ApiObject } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import type { DeploymentJson } from '../synth/kube-json.js';
import { DEFAULT_SELECTOR_LABELS, selectorLabelOf } from '../synth/selector-label.js';
import { type Problem, problem } from '../api/problem.js';
import type { CanarySpecTargetRef } from './spec-types.js';

/**
 * A workload construct a Canary can target: a cdk8s-plus `Deployment` or an `ApiObject` of kind
 * Deployment (such as `k8s.KubeDeployment`). Its kind, name and container ports are read from the
 * object it renders.
 */
export interface TargetWorkload extends IConstruct {
  /** The Kubernetes kind of the workload; a Canary accepts Deployment. */
  readonly kind: string;
  /** The workload's metadata.name. */
  readonly name: string;
}

export type TargetRefProp = CanarySpecTargetRef | TargetWorkload;

/** The ApiObject behind `ref` when it is a construct; undefined for a plain reference. */
export function targetObjectOf(ref: TargetRefProp | undefined): ApiObject | undefined {
  if (!ref || !Construct.isConstruct(ref)) return undefined;
  return ApiObject.of(ref);
}

/** spec.targetRef as it is written to the Canary: apiVersion, kind and name. */
export function targetRefOf(ref: TargetRefProp, target: ApiObject | undefined): CanarySpecTargetRef {
  if (!target) return ref as CanarySpecTargetRef;
  return { apiVersion: target.apiVersion, kind: target.kind as 'Deployment', name: target.name };
}

/**
 * The port the Services should expose when the user gives none: the container port named or
 * numbered by `targetPort` when it is given, else the first port of the first container that
 * declares one. Undefined when the pod template declares no port.
 */
export function containerPortOf(deployment: DeploymentJson, targetPort?: number | string): number | undefined {
  const containers = (deployment.spec?.template?.spec?.containers ?? []) as { ports?: { name?: string; containerPort?: number }[] }[];
  const ports = containers.flatMap((c) => c.ports ?? []).filter((p) => typeof p.containerPort === 'number');
  if (targetPort !== undefined) {
    const named = ports.find((p) => p.name === targetPort || p.containerPort === targetPort);
    if (named) return named.containerPort;
    if (typeof targetPort === 'number') return targetPort;
  }
  return ports[0]?.containerPort;
}

/**
 * What the controller would refuse about a target construct that `sluice validate` cannot see in
 * the Canary alone: a Deployment in another namespace, and one whose selector has none of the
 * labels that tell primary pods from canary pods.
 */
export function targetProblems(target: ApiObject, canaryNamespace: string | undefined): Problem[] {
  const json = target.toJson() as DeploymentJson;
  if (json.kind !== 'Deployment') return []; // the schema check names spec.targetRef.kind
  const name = json.metadata?.name;
  const namespace = json.metadata?.namespace;
  const out: Problem[] = [];
  if ((namespace ?? '') !== (canaryNamespace ?? '')) {
    out.push(
      problem(
        'spec.targetRef',
        `Deployment ${name} is in namespace ${namespace ?? '(none)'} and the Canary in ${canaryNamespace ?? '(none)'}: a Canary targets a Deployment of its own namespace`,
      ),
    );
  }
  if (!selectorLabelOf(json)) {
    out.push(
      problem(
        'spec.targetRef',
        `Deployment ${name} selects its pods by none of the labels ${DEFAULT_SELECTOR_LABELS.join(', ')}; Sluice tells primary from canary pods by the first of them it finds (with cdk8s-plus: podMetadata labels and deployment.select(LabelSelector.of({ labels })))`,
      ),
    );
  }
  return out;
}
