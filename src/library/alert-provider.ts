// The AlertProvider construct: a flagger.app/v1beta1 AlertProvider (where canary notifications go)
// in the user's chart, typed from the CRD schema and validated at synth time as `sluice validate` does.
import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';
import type { Construct } from 'constructs';
import { GROUP_VERSION } from '../api/types.js';
import { validateAlertProvider } from '../api/validate.js';
import type { AlertProviderSpec } from './spec-types.js';
import { checkedWith } from './validation.js';

export interface AlertProviderProps {
  /**
   * The AlertProvider's metadata; a Canary names it in analysis.alerts[].providerRef.
   * @default - a name cdk8s derives from the construct path, in the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
  /** The chat service and its address. */
  readonly spec: AlertProviderSpec;
}

/** A flagger.app/v1beta1 AlertProvider, validated at synth time with the rules of `sluice validate`. */
export class AlertProvider extends ApiObject {
  static readonly GVK: GroupVersionKind = { apiVersion: GROUP_VERSION, kind: 'AlertProvider' };

  constructor(scope: Construct, id: string, props: AlertProviderProps) {
    super(scope, id, { ...AlertProvider.GVK, ...(props.metadata ? { metadata: props.metadata } : {}), spec: props.spec });
    checkedWith(this, () => validateAlertProvider(this.toJson()));
  }
}
