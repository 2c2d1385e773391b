// The operator's identity and least-privilege access: a ServiceAccount, a ClusterRole built
// from permissions.ts (what the operator really calls), and a Role for its Lease in its own
// namespace only.
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { NAMESPACE_RULES, clusterRulesFor, type PermissionRule } from './permissions.js';
import { operatorLabelsOf, webhookConfigurationNameOf } from './names.js';
import type { InstallSettings } from './settings.js';

const toPolicyRule = (r: PermissionRule): k8s.PolicyRule => ({
  apiGroups: [...r.apiGroups],
  resources: [...r.resources],
  verbs: [...r.verbs],
  ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
});

export class RbacChart extends Chart {
  constructor(scope: Construct, id: string, s: InstallSettings) {
    // No chart namespace: cdk8s would stamp it on the cluster-scoped objects too.
    super(scope, id);
    const metadata = { name: s.name, labels: operatorLabelsOf(s.appName, s.instance) };
    const namespaced = { ...metadata, namespace: s.namespace };
    const subject = { kind: 'ServiceAccount', name: s.name, namespace: s.namespace };
    new k8s.KubeServiceAccount(this, 'service-account', { metadata: namespaced });
    new k8s.KubeClusterRole(this, 'cluster-role', { metadata, rules: clusterRulesFor(webhookConfigurationNameOf(s.name)).map(toPolicyRule) });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: s.name },
      subjects: [subject],
    });
    new k8s.KubeRole(this, 'role', { metadata: namespaced, rules: NAMESPACE_RULES.map(toPolicyRule) });
    new k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: namespaced,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: s.name },
      subjects: [subject],
    });
  }
}
