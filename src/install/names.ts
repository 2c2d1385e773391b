// Names, labels and the image shared by every install manifest.
export const SLUICE_NAMESPACE = 'sluice-system';
export const SLUICE_NAME = 'sluice';
/** No image is published yet: build one from this repository and override it with kustomize `images:`. */
export const SLUICE_IMAGE = 'ghcr.io/sluice-dev/sluice:0.1.0';
export const LOADTESTER_NAME = 'flagger-loadtester';

export const METRICS_PORT = 8080;
export const WEBHOOK_PORT = 9443;
export const LOADTESTER_PORT = 8080;

export const commonLabels = { 'app.kubernetes.io/part-of': 'sluice' } as const;

export const operatorSelector = { 'app.kubernetes.io/name': SLUICE_NAME } as const;
export const operatorLabels = { ...commonLabels, ...operatorSelector, 'app.kubernetes.io/component': 'operator' } as const;
