// The operator's namespace (manifests/ only: Helm installs into the release's namespace).
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { commonLabels } from './names.js';

export class NamespaceChart extends Chart {
  constructor(scope: Construct, id: string, namespace: string) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', { metadata: { name: namespace, labels: { ...commonLabels } } });
  }
}
