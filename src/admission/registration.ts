// The MutatingWebhookConfiguration and ValidatingWebhookConfiguration that point the apiserver
// at Sluice: at its in-cluster Service, or, when Sluice runs outside the cluster (development,
// the demo), at its loopback URL with its own CA. Written with server-side apply, so
// registering again (new port, new CA) updates them in place.
//
// Scoping: the apiserver evaluates selectors and match conditions before calling out, so the
// webhooks only see what they must. The Deployment webhook sees updates that change the pod
// template or the replicas outside kube-system; the guard sees updates of objects owned by a
// Canary only. An outage of Sluice blocks nobody: every webhook fails open (Ignore), and the
// controller's watch still sees each change (later, not lost).
import { AUTOSCALER_KINDS, TARGET_KINDS } from '../api/workloads.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { routingKindsByGroup } from '../api/providers.js';
import { KNATIVE_SERVICE } from '../api/knative.js';
import { KubeClient } from '../kube/client.js';
import { RESOURCES, type KubeObject } from '../kube/resources.js';
import { ADMISSION_OPT_OUT_LABEL } from './annotations.js';
import { WEBHOOK_PATHS } from './paths.js';

export const WEBHOOK_CONFIGURATION_NAME = 'sluice-admission';

export const WEBHOOK_NAMES = {
  mutateDeployments: 'deployments.mutate.sluice.dev',
  mutateKnativeServices: 'knativeservices.mutate.sluice.dev',
  validateFlagger: 'flagger.validate.sluice.dev',
  validateOwned: 'owned.validate.sluice.dev',
} as const;

export type WebhookEndpoint = { readonly url: string } | { readonly service: { readonly namespace: string; readonly name: string; readonly port?: number } };

export type FailurePolicy = 'Ignore' | 'Fail';

export interface RegistrationOptions {
  /** Name of both configurations; default sluice-admission (tests sharing a cluster use their own). */
  readonly name?: string;
  /** Register the owned-object guard; default true. */
  readonly ownedObjectGuard?: boolean;
  /** failurePolicy of the flagger.app validation; default Ignore (the controller validates again). */
  readonly validationFailurePolicy?: FailurePolicy;
}

/** Namespaces whose objects no Sluice webhook ever sees. */
export const EXCLUDED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

/** The kinds Sluice generates for a Canary, guarded against direct edits: workloads, then each provider's. */
const CORE_OWNED = ['services', 'configmaps', 'secrets'];
const OWNED_KIND_RULES = [
  ...[...Object.values(TARGET_KINDS), ...Object.values(AUTOSCALER_KINDS)]
    // A Service target's copies are Services, which the core rule below covers.
    .filter((k) => !(k.group === '' && CORE_OWNED.includes(k.plural)))
    .map((k) => ({ apiGroups: [k.group], resources: [k.plural] })),
  { apiGroups: [''], resources: CORE_OWNED },
  ...routingKindsByGroup(true).map(({ group, resources }) => ({ apiGroups: [group], resources })),
];

function clientConfig(endpoint: WebhookEndpoint, path: string, caBundle: string): Record<string, unknown> {
  const ca = Buffer.from(caBundle).toString('base64');
  if ('url' in endpoint) return { url: `${endpoint.url.replace(/\/+$/, '')}${path}`, caBundle: ca };
  return { service: { namespace: endpoint.service.namespace, name: endpoint.service.name, port: endpoint.service.port ?? 443, path }, caBundle: ca };
}

const common = {
  admissionReviewVersions: ['v1'],
  sideEffects: 'None',
  matchPolicy: 'Equivalent',
  namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: EXCLUDED_NAMESPACES }] },
};

/**
 * A Knative Service target (provider knative): the Deployment handler, on template changes only (it
 * has no spec.replicas, and a match condition that cannot be evaluated skips the webhook).
 */
function knativeServiceWebhook(endpoint: WebhookEndpoint, caBundle: string): Record<string, unknown> {
  return {
    name: WEBHOOK_NAMES.mutateKnativeServices,
    clientConfig: clientConfig(endpoint, WEBHOOK_PATHS.mutateDeployments, caBundle),
    ...common,
    failurePolicy: 'Ignore',
    timeoutSeconds: 2,
    reinvocationPolicy: 'IfNeeded',
    rules: [{ apiGroups: [KNATIVE_SERVICE.group], apiVersions: ['v1'], resources: [KNATIVE_SERVICE.plural], operations: ['UPDATE'], scope: 'Namespaced' }],
    objectSelector: { matchExpressions: [{ key: ADMISSION_OPT_OUT_LABEL, operator: 'NotIn', values: ['disabled'] }] },
    matchConditions: [{ name: 'template-changed', expression: 'object.spec.template != oldObject.spec.template' }],
  };
}

/** Both configurations as plain objects, ready for server-side apply. */
export function webhookConfigurations(
  endpoint: WebhookEndpoint,
  caBundle: string,
  options: RegistrationOptions = {},
): { mutating: KubeObject; validating: KubeObject } {
  const metadata = { name: options.name ?? WEBHOOK_CONFIGURATION_NAME, labels: { 'app.kubernetes.io/managed-by': 'sluice' } };
  const mutating: KubeObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata,
    webhooks: [
      {
        name: WEBHOOK_NAMES.mutateDeployments,
        clientConfig: clientConfig(endpoint, WEBHOOK_PATHS.mutateDeployments, caBundle),
        ...common,
        // Never block a deploy: without Sluice the controller's watch still sees the change.
        failurePolicy: 'Ignore',
        timeoutSeconds: 2,
        // Run again if a later webhook changes the Deployment, so the stamped revision is that of
        // the template actually stored.
        reinvocationPolicy: 'IfNeeded',
        rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['UPDATE'], scope: 'Namespaced' }],
        objectSelector: { matchExpressions: [{ key: ADMISSION_OPT_OUT_LABEL, operator: 'NotIn', values: ['disabled'] }] },
        matchConditions: [
          {
            name: 'template-or-replicas-changed',
            expression: 'object.spec.template != oldObject.spec.template || object.spec.replicas != oldObject.spec.replicas',
          },
        ],
      },
      knativeServiceWebhook(endpoint, caBundle),
    ],
  };
  const validatingWebhooks: Record<string, unknown>[] = [
    {
      name: WEBHOOK_NAMES.validateFlagger,
      clientConfig: clientConfig(endpoint, WEBHOOK_PATHS.validateFlagger, caBundle),
      ...common,
      failurePolicy: options.validationFailurePolicy ?? 'Ignore',
      timeoutSeconds: 5,
      rules: [
        {
          apiGroups: ['flagger.app'],
          apiVersions: ['v1beta1'],
          resources: ['canaries', 'metrictemplates', 'alertproviders'],
          operations: ['CREATE', 'UPDATE'],
          scope: '*',
        },
      ],
    },
  ];
  if (options.ownedObjectGuard !== false) {
    validatingWebhooks.push({
      name: WEBHOOK_NAMES.validateOwned,
      clientConfig: clientConfig(endpoint, WEBHOOK_PATHS.validateOwned, caBundle),
      ...common,
      failurePolicy: 'Ignore',
      timeoutSeconds: 2,
      rules: OWNED_KIND_RULES.map((r) => ({ ...r, apiVersions: ['*'], operations: ['UPDATE'], scope: 'Namespaced' })),
      matchConditions: [
        {
          name: 'owned-by-a-canary',
          expression:
            "has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(r, r.kind == 'Canary' && r.apiVersion == 'flagger.app/v1beta1')",
        },
        {
          name: 'not-a-control-plane-controller',
          expression:
            "!request.userInfo.username.startsWith('system:serviceaccount:kube-system:') && request.userInfo.username != 'system:kube-controller-manager'",
        },
      ],
    });
  }
  const validating: KubeObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata,
    webhooks: validatingWebhooks,
  };
  return { mutating, validating };
}

/** Creates or updates both configurations (server-side apply, field manager sluice). */
export async function registerWebhooks(kc: KubeConfig, endpoint: WebhookEndpoint, caBundle: string, options: RegistrationOptions = {}): Promise<void> {
  const { mutating, validating } = webhookConfigurations(endpoint, caBundle, options);
  await new KubeClient(kc).serverSideApply([mutating, validating]);
}

/** Deletes both configurations; absent ones are fine. */
export async function unregisterWebhooks(kc: KubeConfig, name: string = WEBHOOK_CONFIGURATION_NAME): Promise<void> {
  const client = new KubeClient(kc);
  await client.delete(RESOURCES.mutatingWebhookConfigurations, name);
  await client.delete(RESOURCES.validatingWebhookConfigurations, name);
}
