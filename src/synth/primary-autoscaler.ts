// `<hpa>-primary`: the target's HorizontalPodAutoscaler, copied to scale the primary, always
// written as autoscaling/v2 whatever version the user's object (or `autoscalerRef`) names. The
// metrics are the user's and are copied as plain JSON, like the pod template.
import { ApiObject, type OwnerReference } from 'cdk8s';
import { Construct } from 'constructs';
import type { AutoscalerRef } from '../api/types.js';
import { fail } from './errors.js';
import { hpaSpecV2, SUPPORTED_HPA_VERSIONS } from './hpa-v2.js';
import type { HorizontalPodAutoscalerJson } from './kube-json.js';
import { primaryName } from './names.js';
import { includedOrNone } from './ownership.js';

export interface PrimaryAutoscalerProps {
  readonly hpa: HorizontalPodAutoscalerJson;
  readonly autoscalerRef: AutoscalerRef;
  /** The Deployment the copy scales: `<target>-primary`. */
  readonly primaryDeploymentName: string;
  readonly namespace: string;
  /** Flagger's `-include-label-prefix`: the labels and annotations copied. @default every one */
  readonly includeLabelPrefixes?: readonly string[];
  readonly ownerReferences?: OwnerReference[];
}

export class PrimaryAutoscaler extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PrimaryAutoscalerProps) {
    super(scope, id);
    const { hpa, autoscalerRef } = props;
    if (!SUPPORTED_HPA_VERSIONS.includes(hpa.apiVersion)) {
      fail(
        this,
        'apiVersion',
        `HorizontalPodAutoscaler ${hpa.metadata.name} has apiVersion ${hpa.apiVersion}; expected one of ${SUPPORTED_HPA_VERSIONS.join(', ')}`,
      );
    }
    if (!hpa.spec?.maxReplicas) {
      fail(this, 'spec.maxReplicas', `HorizontalPodAutoscaler ${hpa.metadata.name} has no maxReplicas`);
    }
    const spec = hpaSpecV2(hpa);
    // primaryScalerReplicas lets the primary scale differently from the canary.
    const override = autoscalerRef.primaryScalerReplicas ?? {};
    const { scaleTargetRef } = hpa.spec;
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: {
        name: primaryName(hpa.metadata.name!),
        namespace: props.namespace,
        labels: includedOrNone(hpa.metadata.labels, props.includeLabelPrefixes),
        annotations: includedOrNone(hpa.metadata.annotations, props.includeLabelPrefixes),
        ownerReferences: props.ownerReferences,
      },
      spec: {
        ...spec,
        ...(override.minReplicas !== undefined ? { minReplicas: override.minReplicas } : {}),
        ...(override.maxReplicas !== undefined ? { maxReplicas: override.maxReplicas } : {}),
        scaleTargetRef: {
          apiVersion: scaleTargetRef?.apiVersion ?? 'apps/v1',
          kind: scaleTargetRef?.kind ?? 'Deployment',
          name: props.primaryDeploymentName,
        },
      },
    });
  }
}
