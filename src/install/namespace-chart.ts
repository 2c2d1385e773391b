// The operator's namespace.
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { SLUICE_NAMESPACE, commonLabels } from './names.js';

export class NamespaceChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', { metadata: { name: SLUICE_NAMESPACE, labels: { ...commonLabels } } });
  }
}
