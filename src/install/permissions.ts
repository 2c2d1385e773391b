// Exactly what the operator does with the Kubernetes API, one rule per reason. The ClusterRole
// and the leader-election Role are built from these lists, and the install e2e test asks the
// apiserver (`kubectl auth can-i --as`) about every verb listed here, and about some it must
// not have. A new API call in the operator means a new line here, or it fails in a cluster.
// A rule that only an optional feature needs says so (`onlyWith`): an installation grants it only
// with that feature on.
import { WEBHOOK_CONFIGURATION_NAME } from '../admission/registration.js';
import { referencedOnlyKinds, routingKindsByGroup } from '../api/providers.js';
import { AUTOSCALER_KINDS, TARGET_KINDS, type WorkloadKind } from '../api/workloads.js';

/**
 * The operator's optional features that need permissions of their own, each off by default:
 *   dashboard  the read-only rollout page (`sluice run --dashboard-port`, SLUICE_DASHBOARD_PORT,
 *              Helm value `dashboard.port`)
 */
export type OptionalFeature = 'dashboard';

export interface PermissionRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
  /** Why the operator needs it (where in the code). */
  readonly why: string;
  /** Needed only with this feature on: an installation without it does not grant the rule. */
  readonly onlyWith?: OptionalFeature;
}

/** Whether an installation with `features` on grants `rule` (manifests/: no feature on). */
export const isGranted = (rule: PermissionRule, features: readonly OptionalFeature[]): boolean =>
  rule.onlyWith === undefined || features.includes(rule.onlyWith);

/** The rule as the apiserver takes it in a Role or ClusterRole: what it grants, nothing of why. */
export const policyRuleOf = (r: PermissionRule) => ({
  apiGroups: [...r.apiGroups],
  resources: [...r.resources],
  verbs: [...r.verbs],
  ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
});

/** Server-side apply creates through PATCH: creating needs `create` too, updating `patch`. */
const APPLY = ['get', 'list', 'watch', 'create', 'patch', 'update'] as const;

/** The routing objects of every provider Sluice serves (src/api/providers.ts), applied like the rest. */
export const ROUTING_KINDS: readonly { group: string; resources: string[] }[] = routingKindsByGroup();

/** How each way of scaling a target writes to it. */
const SCALING: Record<WorkloadKind['scaleToZero'], string> = {
  replicas: ', scales the target (merge patch of spec.replicas)',
  'node-selector': ', scales the target (merge patch of its scale-to-zero node selector)',
  none: ' and <name>-canary copies, never scaled',
};

/** Every target kind (src/api/workloads.ts): watched, copied to <name>-primary, scaled. */
export const TARGET_RULES: readonly PermissionRule[] = Object.values(TARGET_KINDS).map((k) => ({
  apiGroups: [k.group],
  resources: [k.plural],
  verbs: APPLY,
  why: `watches ${k.plural} targets, applies <name>-primary${SCALING[k.scaleToZero]}`,
}));

/** Every autoscaler kind: the user's is read (a ScaledObject also paused), <name>-primary applied. */
export const AUTOSCALER_RULES: readonly PermissionRule[] = Object.values(AUTOSCALER_KINDS).map((k) => ({
  apiGroups: [k.group],
  resources: [k.plural],
  verbs: APPLY,
  why: k.takesQueries
    ? `the primary ${k.plural} copied from autoscalerRef, and the pause annotation on the target's (merge patch)`
    : `the primary ${k.plural} copied from autoscalerRef`,
}));

/** The metric backends that read the Kubernetes API with the operator's own credentials. */
export const METRIC_BACKEND_RULES: readonly PermissionRule[] = [
  // GET /apis/external.metrics.k8s.io/v1beta1/namespaces/<ns>/<metric> names no object, so the
  // apiserver authorizes it as `list` of a resource called <metric>: any name, hence '*'.
  {
    apiGroups: ['external.metrics.k8s.io'],
    resources: ['*'],
    verbs: ['list'],
    why: "externalmetrics metric checks read a metric through the APIService's adapter",
  },
  { apiGroups: ['metrics.keptn.sh'], resources: ['keptnmetrics'], verbs: ['get'], why: "keptn metric checks read a KeptnMetric's status.value" },
  {
    apiGroups: ['metrics.keptn.sh'],
    resources: ['analyses'],
    verbs: ['create', 'get', 'delete'],
    why: 'keptn metric checks create an Analysis, read its verdict and delete it',
  },
];

/** The ClusterRole of an installation whose webhook configurations are called `webhookConfigurationName`. */
export const clusterRulesFor = (webhookConfigurationName: string): readonly PermissionRule[] => [
  {
    apiGroups: ['flagger.app'],
    resources: ['canaries', 'metrictemplates', 'alertproviders'],
    verbs: ['get', 'list', 'watch'],
    why: 'the Canary informer, MetricTemplates of metric checks, AlertProviders of notifications',
  },
  { apiGroups: ['flagger.app'], resources: ['canaries'], verbs: ['patch'], why: 'adds and removes finalizer.flagger.app for revertOnDeletion' },
  {
    apiGroups: ['flagger.app'],
    resources: ['canaries/status'],
    verbs: ['get', 'patch', 'update'],
    why: 'the executor writes every rollout step to the status',
  },
  {
    apiGroups: ['flagger.app'],
    resources: ['canaries/finalizers'],
    verbs: ['update'],
    why: 'generated objects carry an owner reference with blockOwnerDeletion to their Canary',
  },
  ...TARGET_RULES,
  { apiGroups: [''], resources: ['services', 'configmaps'], verbs: APPLY, why: 'apex/primary/canary Services, -primary copies of tracked ConfigMaps' },
  // Never list or watch: Secrets are read by name (src/controller/secret-reads.ts), so no Secret
  // but the ones a Canary uses is ever held in memory. Create and patch cannot be narrowed by
  // name here: the -primary copies are named after the user's Secrets, in any namespace.
  {
    apiGroups: [''],
    resources: ['secrets'],
    verbs: ['get', 'create', 'patch'],
    why: 'reads the Secrets a target names, and those of metric providers and AlertProviders, by name; applies -primary copies of tracked Secrets; creates and renews the shared webhook certificate Secret',
  },
  ...AUTOSCALER_RULES,
  {
    apiGroups: [''],
    resources: ['events'],
    verbs: ['create', 'patch', 'get'],
    why: "Flagger's Events on each Canary; a repeat bumps the count of the existing Event",
  },
  {
    apiGroups: [''],
    resources: ['events'],
    verbs: ['list', 'watch'],
    why: 'the read-only rollout page (SLUICE_DASHBOARD_PORT) shows the Events of each Canary from a watch',
    onlyWith: 'dashboard',
  },
  // Without it the page says so and shows no Events; it knows from a SelfSubjectAccessReview
  // (src/kube/access-review.ts), which needs no rule here: every authenticated user may create one
  // (the system:basic-user ClusterRole), as the webhooks' SelfSubjectReview.
  ...METRIC_BACKEND_RULES,
  ...ROUTING_KINDS.map((k) => ({ apiGroups: [k.group], resources: k.resources, verbs: APPLY, why: `routing objects of the ${k.group} provider` })),
  ...referencedOnlyKinds().map((k) => ({
    apiGroups: [k.group],
    resources: [k.plural],
    verbs: ['get', 'list', 'watch'],
    why: 'objects a Canary names for its provider to copy from',
  })),
  // No create: in a cluster the manifests (or the chart) install both configurations, and the
  // operator only writes its caBundle into them (server-side apply of an existing object is a patch).
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
    verbs: ['get', 'patch'],
    resourceNames: [webhookConfigurationName],
    why: 'keeps its own webhook configurations (caBundle) up to date; only those, and never creates one',
  },
];

/** The ClusterRole's rules with manifests/' names (webhook configurations `sluice-admission`), optional features' included. */
export const CLUSTER_RULES: readonly PermissionRule[] = clusterRulesFor(WEBHOOK_CONFIGURATION_NAME);

/** In the operator's namespace only: the leader-election Lease. */
export const NAMESPACE_RULES: readonly PermissionRule[] = [
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'create', 'update', 'patch'],
    why: 'leader election on the Lease of the installation (<name>-leader-election)',
  },
];

/** Asked of the apiserver by the install e2e test: the operator must NOT be able to do these. */
export const FORBIDDEN_ACTIONS: readonly { verb: string; resource: string; namespace?: string }[] = [
  { verb: 'delete', resource: 'namespaces' },
  { verb: 'create', resource: 'clusterroles.rbac.authorization.k8s.io' },
  { verb: 'create', resource: 'clusterrolebindings.rbac.authorization.k8s.io' },
  { verb: 'create', resource: 'pods' },
  { verb: 'create', resource: 'pods/exec' },
  { verb: 'delete', resource: 'deployments.apps' },
  { verb: 'delete', resource: 'customresourcedefinitions.apiextensions.k8s.io' },
  { verb: 'update', resource: 'nodes' },
  { verb: 'impersonate', resource: 'users' },
  { verb: 'patch', resource: 'validatingwebhookconfigurations.admissionregistration.k8s.io/someone-elses' },
  { verb: 'create', resource: 'mutatingwebhookconfigurations.admissionregistration.k8s.io' },
  { verb: 'update', resource: 'leases.coordination.k8s.io', namespace: 'kube-system' },
  // Secrets are read by name only: a list or a watch would hold every Secret of the cluster.
  { verb: 'list', resource: 'secrets' },
  { verb: 'watch', resource: 'secrets' },
  { verb: 'delete', resource: 'secrets' },
];
