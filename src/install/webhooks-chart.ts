// The admission webhook configurations, pointing at the operator's Service. Ownership: the
// manifests create them (so `kubectl delete -k` removes them with the rest), and every operator
// replica server-side applies the same objects at startup with its CA in caBundle
// (src/admission/registration.ts). Both write the same fields, so neither fights the other.
// Every webhook fails open (failurePolicy Ignore): without a running operator, nothing is blocked.
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { webhookConfigurations } from '../admission/registration.js';
import type { KubeObject } from '../kube/index.js';
import { commonLabels, webhookConfigurationNameOf } from './names.js';
import type { InstallSettings } from './settings.js';

type Webhook = { clientConfig: Record<string, unknown>; failurePolicy?: string };

/** Without caBundle: the operator fills it in at startup. */
function withoutCaBundle(object: KubeObject): void {
  for (const w of (object as { webhooks?: Webhook[] }).webhooks ?? []) delete w.clientConfig.caBundle;
}

export class WebhooksChart extends Chart {
  constructor(scope: Construct, id: string, s: InstallSettings) {
    super(scope, id);
    const { mutating, validating } = webhookConfigurations({ service: { namespace: s.namespace, name: s.name, port: 443 } }, '', {
      name: webhookConfigurationNameOf(s.name),
    });
    for (const [name, object] of [
      ['mutating', mutating],
      ['validating', validating],
    ] as const) {
      withoutCaBundle(object);
      for (const w of (object as unknown as { webhooks: Webhook[] }).webhooks) {
        if (w.failurePolicy !== 'Ignore') throw new Error(`webhook in ${object.kind} must fail open, has failurePolicy ${w.failurePolicy}`);
      }
      // The operator applies the same labels at startup; only part-of and instance are added, so nothing flips.
      object.metadata.labels = { ...commonLabels, 'app.kubernetes.io/instance': s.instance, ...object.metadata.labels };
      new ApiObject(this, name, object as unknown as ConstructorParameters<typeof ApiObject>[2]);
    }
  }
}
