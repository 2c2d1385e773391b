// `<target>-primary`: the Deployment that serves stable traffic. Its pod template is the target's,
// copied as plain JSON through a raw ApiObject: the typed k8s classes drop fields they do not model
// (a named probe port, a quantity, a field newer than k8s 1.27), and a primary that silently differs
// from what the user wrote is worse than no primary.
import { ApiObject, type OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
import type { DeploymentJson, JsonObject } from './kube-json.js';
import { primaryName } from './names.js';
import { includedLabels, includedOrNone, withoutForeignKeys } from './ownership.js';
import { primaryPodSpec, type TrackedConfigs } from './pod-template.js';
import { PROMOTION_ID_ANNOTATION } from './promotion-id.js';
import type { SelectorLabel } from './selector-label.js';

export interface PrimaryDeploymentProps {
  /** The target Deployment, plain JSON as read. */
  readonly target: DeploymentJson;
  readonly namespace: string;
  readonly selector: SelectorLabel;
  readonly tracked: TrackedConfigs;
  /**
   * Whether an autoscaler owns the primary's replica count.
   * @default false: replicas are copied from the target
   */
  readonly autoscaled?: boolean;
  /** Annotations stamped on the pod template (the controller's `flagger-id` forces a rollout). */
  readonly podAnnotations?: Record<string, string>;
  /** Flagger's `-include-label-prefix`: the target's labels and annotations kept on the primary. @default every one */
  readonly includeLabelPrefixes?: readonly string[];
  readonly ownerReferences?: OwnerReference[];
}

/** The Deployment spec fields Flagger copies on promotion besides the template. */
const COPIED_SPEC_FIELDS = ['progressDeadlineSeconds', 'minReadySeconds', 'revisionHistoryLimit', 'strategy'] as const;

export class PrimaryDeployment extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PrimaryDeploymentProps) {
    super(scope, id);
    const { target, selector } = props;
    const labelled = (labels: Record<string, string> | undefined) => ({ ...labels, [selector.key]: selector.primaryValue });

    const spec: JsonObject = {};
    for (const field of COPIED_SPEC_FIELDS) {
      if (target.spec[field] !== undefined) spec[field] = structuredClone(target.spec[field]);
    }
    if (!props.autoscaled && target.spec.replicas !== undefined) spec.replicas = target.spec.replicas;
    // Only the selector label: other matchLabels of the target would also select the target's pods.
    spec.selector = { matchLabels: { [selector.key]: selector.primaryValue } };
    spec.template = primaryTemplateOf(target, selector, props.tracked, props.podAnnotations);

    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: primaryName(target.metadata.name!),
        namespace: props.namespace,
        labels: labelled(includedLabels(target.metadata.labels, props.includeLabelPrefixes)),
        annotations: includedOrNone(target.metadata.annotations, props.includeLabelPrefixes),
        ownerReferences: props.ownerReferences,
      },
      spec,
    });
  }
}

/**
 * The primary's pod template: the target's, with the selector label pointing at the primary's pods,
 * tracked configs read from their `-primary` copies, and `podAnnotations` (the controller's
 * `flagger-id`) stamped on. Pure; the takeover of a Flagger-made primary compares it with the live one.
 */
export function primaryTemplateOf(
  target: DeploymentJson,
  selector: SelectorLabel,
  tracked: TrackedConfigs,
  podAnnotations?: Record<string, string>,
): JsonObject {
  const { metadata: templateMetadata, spec: podSpec, ...otherFields } = target.spec.template ?? {};
  // creationTimestamp: null is what `kubectl get -o yaml` prints; it is not the user's intent.
  const { creationTimestamp: _unset, annotations: templateAnnotations, ...metadata } = structuredClone(templateMetadata ?? {});
  // As Flagger: Flux's keys are not copied, and the target's own `flagger-id` (a copy of a
  // primary's template) never stands in for this promotion's.
  const { [PROMOTION_ID_ANNOTATION]: _stale, ...copied } = withoutForeignKeys(templateAnnotations) ?? {};
  const annotations = { ...copied, ...podAnnotations };
  return {
    ...structuredClone(otherFields),
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, [selector.key]: selector.primaryValue },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: primaryPodSpec(podSpec, tracked, selector),
  };
}
