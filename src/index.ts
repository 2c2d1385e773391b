// The construct library (`import { Canary } from 'sluice'`): flagger.app/v1beta1 Canaries,
// MetricTemplates and AlertProviders as typed cdk8s constructs in the user's own app. It loads
// cdk8s, constructs and Sluice's API rules only, never the operator (no Kubernetes client, HTTP
// server or logger): a test imports it and lists what it loaded. The preview of the generated
// objects is `sluice/preview`, which also loads the synthesis.
export { Canary, type CanaryProps, type CanaryPropsSpec, type CanaryServiceProps } from './library/canary.js';
export { MetricTemplate, type MetricTemplateProps } from './library/metric-template.js';
export { AlertProvider, type AlertProviderProps } from './library/alert-provider.js';
export type { TargetWorkload, TargetRefProp } from './library/target.js';
export type * from './library/spec-types.js';
export { API_GROUP, API_VERSION, GROUP_VERSION } from './api/types.js';
export { validateCanary, validateMetricTemplate, validateAlertProvider } from './api/validate.js';
export { formatProblem, type Problem } from './api/problem.js';
