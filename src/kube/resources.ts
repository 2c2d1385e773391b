// Naming a kind of object on the wire: group, version and plural, and the REST paths built
// from them. Core objects live under /api/v1, everything else under /apis/<group>/<version>.

export interface ResourceType {
  /** "" for the core group (Pods, Services, Events, ...). */
  readonly group: string;
  readonly version: string;
  /** The lower-case plural the URL uses, e.g. "deployments". */
  readonly plural: string;
  /** False for cluster-scoped kinds (webhook configurations, CRDs, Namespaces). */
  readonly namespaced: boolean;
  readonly kind?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    [extra: string]: unknown;
  };
  [extra: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

const resource = (group: string, version: string, plural: string, kind: string, namespaced = true): ResourceType => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});

/** The kinds Sluice itself reads and writes. Anything else goes through discovery. */
export const RESOURCES = {
  canaries: resource('flagger.app', 'v1beta1', 'canaries', 'Canary'),
  metricTemplates: resource('flagger.app', 'v1beta1', 'metrictemplates', 'MetricTemplate'),
  alertProviders: resource('flagger.app', 'v1beta1', 'alertproviders', 'AlertProvider'),
  deployments: resource('apps', 'v1', 'deployments', 'Deployment'),
  daemonSets: resource('apps', 'v1', 'daemonsets', 'DaemonSet'),
  services: resource('', 'v1', 'services', 'Service'),
  configMaps: resource('', 'v1', 'configmaps', 'ConfigMap'),
  secrets: resource('', 'v1', 'secrets', 'Secret'),
  events: resource('', 'v1', 'events', 'Event'),
  namespaces: resource('', 'v1', 'namespaces', 'Namespace', false),
  horizontalPodAutoscalers: resource('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
  leases: resource('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  mutatingWebhookConfigurations: resource('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false),
  validatingWebhookConfigurations: resource('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false),
  customResourceDefinitions: resource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
} as const satisfies Record<string, ResourceType>;

/** "apps/v1" or "v1". */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Splits "apps/v1" into group and version; "v1" is the core group. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The URL prefix of a group version: "/api/v1" or "/apis/apps/v1". */
export function groupVersionPath(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
}

/**
 * The REST path of a collection (no name) or of one object, optionally a subresource.
 * A namespaced type without a namespace means "across all namespaces" (list and watch only).
 */
export function resourcePath(type: ResourceType, where: { namespace?: string; name?: string; subresource?: string } = {}): string {
  if (where.subresource && !where.name) throw new Error(`a ${where.subresource} subresource needs an object name`);
  const segments = [groupVersionPath(type)];
  if (type.namespaced && where.namespace) segments.push('namespaces', encodeURIComponent(where.namespace));
  segments.push(type.plural);
  if (where.name) segments.push(encodeURIComponent(where.name));
  if (where.subresource) segments.push(where.subresource);
  return segments.join('/');
}

/** "deployments.apps/podinfo in test" style description for messages. */
export function describeObject(type: ResourceType, name?: string, namespace?: string): string {
  const what = type.group ? `${type.plural}.${type.group}` : type.plural;
  return `${what}${name ? `/${name}` : ''}${namespace ? ` in ${namespace}` : ''}`;
}
