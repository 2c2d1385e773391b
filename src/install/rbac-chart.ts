// The operator's identity and least-privilege access: a ServiceAccount, a ClusterRole built
// from permissions.ts (what the operator really calls; a rule of an optional feature only where
// the installation can turn it on), and a Role for its Lease in its own namespace only.
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { NAMESPACE_RULES, clusterRulesFor, policyRuleOf } from './permissions.js';
import { operatorLabelsOf, webhookConfigurationNameOf } from './names.js';
import type { InstallSettings } from './settings.js';

export class RbacChart extends Chart {
  constructor(scope: Construct, id: string, s: InstallSettings) {
    // No chart namespace: cdk8s would stamp it on the cluster-scoped objects too.
    super(scope, id);
    const metadata = { name: s.name, labels: operatorLabelsOf(s.appName, s.instance) };
    const namespaced = { ...metadata, namespace: s.namespace };
    const subject = { kind: 'ServiceAccount', name: s.name, namespace: s.namespace };
    new k8s.KubeServiceAccount(this, 'service-account', { metadata: namespaced });
    const rules = clusterRulesFor(webhookConfigurationNameOf(s.name)).flatMap((r) =>
      r.onlyWith ? s.onlyWith(r.onlyWith, [policyRuleOf(r)]) : [policyRuleOf(r)],
    );
    // Rules set on the JSON: the typed converter would rebuild each field by field and drop the
    // stand-ins the Helm chart puts around a rule of an optional feature.
    new ApiObject(this, 'cluster-role', { ...k8s.KubeClusterRole.manifest({ metadata }), rules });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: s.name },
      subjects: [subject],
    });
    new k8s.KubeRole(this, 'role', { metadata: namespaced, rules: NAMESPACE_RULES.map(policyRuleOf) });
    new k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: namespaced,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: s.name },
      subjects: [subject],
    });
  }
}
