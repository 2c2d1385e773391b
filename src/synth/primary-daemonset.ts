// `<target>-primary` for a DaemonSet target: the DaemonSet that serves stable traffic, one pod per
// node the target's own node selector allows. Its pod template is built like a primary
// Deployment's (primaryTemplateOf); Flagger copies minReadySeconds, revisionHistoryLimit and the
// update strategy, and refuses a target that does not roll its pods (OnDelete).
import { ApiObject, type OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
import { fail } from './errors.js';
import type { DeploymentJson, JsonObject } from './kube-json.js';
import { primaryName } from './names.js';
import { includedLabels, includedOrNone } from './ownership.js';
import type { TrackedConfigs } from './pod-template.js';
import { primaryTemplateOf } from './primary-deployment.js';
import type { SelectorLabel } from './selector-label.js';

export interface PrimaryDaemonSetProps {
  /** The target DaemonSet, plain JSON as read, without Flagger's scale-to-zero node selector. */
  readonly target: DeploymentJson;
  readonly namespace: string;
  readonly selector: SelectorLabel;
  readonly tracked: TrackedConfigs;
  readonly podAnnotations?: Record<string, string>;
  readonly includeLabelPrefixes?: readonly string[];
  readonly ownerReferences?: OwnerReference[];
}

const COPIED_SPEC_FIELDS = ['minReadySeconds', 'revisionHistoryLimit', 'updateStrategy'] as const;

export class PrimaryDaemonSet extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PrimaryDaemonSetProps) {
    super(scope, id);
    const { target, selector } = props;
    const strategy = (target.spec.updateStrategy as { type?: string } | undefined)?.type;
    if (strategy !== undefined && strategy !== 'RollingUpdate') {
      fail(
        this,
        'spec.updateStrategy.type',
        `DaemonSet ${props.namespace}/${target.metadata.name} must have the RollingUpdate strategy to be promoted, it has ${strategy}`,
      );
    }
    const spec: JsonObject = {};
    for (const field of COPIED_SPEC_FIELDS) {
      if (target.spec[field] !== undefined) spec[field] = structuredClone(target.spec[field]);
    }
    spec.selector = { matchLabels: { [selector.key]: selector.primaryValue } };
    spec.template = primaryTemplateOf(target, selector, props.tracked, props.podAnnotations);

    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: {
        name: primaryName(target.metadata.name!),
        namespace: props.namespace,
        labels: { ...includedLabels(target.metadata.labels, props.includeLabelPrefixes), [selector.key]: selector.primaryValue },
        annotations: includedOrNone(target.metadata.annotations, props.includeLabelPrefixes),
        ownerReferences: props.ownerReferences,
      },
      spec,
    });
  }
}
