// The MetricTemplate construct: a flagger.app/v1beta1 MetricTemplate (a reusable Prometheus query)
// in the user's chart, typed from the CRD schema and validated at synth time as `sluice validate` does.
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import { GROUP_VERSION } from '../api/types.js';
import { validateMetricTemplate } from '../api/validate.js';
import type { MetricTemplateSpec } from './spec-types.js';
import { checkedWith } from './validation.js';

export interface MetricTemplateProps {
  /**
   * The MetricTemplate's metadata; a Canary names it in analysis.metrics[].templateRef.
   * @default - a name cdk8s derives from the construct path, in the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /** The metrics server and the query template. */
  readonly spec: MetricTemplateSpec;
}

/** A flagger.app/v1beta1 MetricTemplate, validated at synth time with the rules of `sluice validate`. */
export class MetricTemplate extends ApiObject {
  static readonly GVK: GroupVersionKind = { apiVersion: GROUP_VERSION, kind: 'MetricTemplate' };

  constructor(scope: Construct, id: string, props: MetricTemplateProps) {
    super(scope, id, { ...MetricTemplate.GVK, ...(props.metadata ? { metadata: props.metadata } : {}), spec: props.spec });
    checkedWith(this, () => validateMetricTemplate(this.toJson()));
  }
}
