// Names, labels and the image shared by every install manifest.
import { VERSION } from '../version.js';

export const SLUICE_NAMESPACE = 'sluice-system';
export const SLUICE_NAME = 'sluice';
/** The image tag and chart version follow package.json, as `sluice --version` does. */
export const SLUICE_VERSION = VERSION;
export const SLUICE_IMAGE_REPOSITORY = 'ghcr.io/sluice-dev/sluice';
/** No image is published yet: build one from this repository and override it with kustomize `images:`. */
export const SLUICE_IMAGE = `${SLUICE_IMAGE_REPOSITORY}:${SLUICE_VERSION}`;
export const LOADTESTER_NAME = 'flagger-loadtester';

export const METRICS_PORT = 8080;
export const WEBHOOK_PORT = 9443;
export const LOADTESTER_PORT = 8080;

export const commonLabels = { 'app.kubernetes.io/part-of': 'sluice' } as const;

/** The operator's pods of one installation (`instance`: the Helm release; `sluice` in manifests/). */
export const operatorSelectorOf = (name: string, instance: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance });
export const operatorLabelsOf = (name: string, instance: string) => ({
  ...commonLabels,
  ...operatorSelectorOf(name, instance),
  'app.kubernetes.io/component': 'operator',
});

export const operatorSelector = operatorSelectorOf(SLUICE_NAME, SLUICE_NAME);
export const operatorLabels = operatorLabelsOf(SLUICE_NAME, SLUICE_NAME);

// Objects the operator creates or owns at run time, named after its installation so that two
// installations (two Helm releases) never share one. The operator reads them from env vars.
export const leaseNameOf = (base: string) => `${base}-leader-election`;
export const webhookSecretNameOf = (base: string) => `${base}-webhook-tls`;
export const webhookConfigurationNameOf = (base: string) => `${base}-admission`;
