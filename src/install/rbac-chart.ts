// The operator's identity and least-privilege access: a ServiceAccount, a ClusterRole built
// from permissions.ts (what the operator really calls), and a Role for its Lease in its own
// namespace only.
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { CLUSTER_RULES, NAMESPACE_RULES, type PermissionRule } from './permissions.js';
import { SLUICE_NAME, SLUICE_NAMESPACE, operatorLabels } from './names.js';

const toPolicyRule = (r: PermissionRule): k8s.PolicyRule => ({
  apiGroups: [...r.apiGroups],
  resources: [...r.resources],
  verbs: [...r.verbs],
  ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
});

export class RbacChart extends Chart {
  constructor(scope: Construct, id: string) {
    // No chart namespace: cdk8s would stamp it on the cluster-scoped objects too.
    super(scope, id);
    const metadata = { name: SLUICE_NAME, labels: { ...operatorLabels } };
    const namespaced = { ...metadata, namespace: SLUICE_NAMESPACE };
    const subject = { kind: 'ServiceAccount', name: SLUICE_NAME, namespace: SLUICE_NAMESPACE };
    new k8s.KubeServiceAccount(this, 'service-account', { metadata: namespaced });
    new k8s.KubeClusterRole(this, 'cluster-role', { metadata, rules: CLUSTER_RULES.map(toPolicyRule) });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SLUICE_NAME },
      subjects: [subject],
    });
    new k8s.KubeRole(this, 'role', { metadata: namespaced, rules: NAMESPACE_RULES.map(toPolicyRule) });
    new k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: namespaced,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SLUICE_NAME },
      subjects: [subject],
    });
  }
}
