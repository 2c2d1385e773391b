// What each optional field means when it is left out, for the `@default` of the generated spec
// types (spec-types-source.ts). Values come from the constants the controller uses (defaults.ts),
// so the docs change with them. A field not listed here takes the "(default X)" of its schema
// description, else its schema default, else "false" for a boolean and "- not set" or "- none".
// A unit test fails on a key that names no field, so renamed fields cannot leave stale text.
import { DEFAULTS } from '../api/defaults.js';
import { JUDGE_DEFAULTS } from '../api/judge-spec.js';
import { formatDuration } from '../api/duration.js';
import { KUBERNETES_BLUE_GREEN_ITERATIONS } from '../api/strategy.js';

const sameNamespace = "- the Canary's namespace";

export const DOCUMENTED_DEFAULTS: Readonly<Record<string, string>> = {
  'Canary.spec.provider': `- the operator's default provider (${DEFAULTS.provider} unless the operator sets another)`,
  'Canary.spec.metricsServer': `- the operator's metrics server (${DEFAULTS.metricsServer} unless the operator sets another)`,
  'Canary.spec.autoscalerRef': '- none: the primary gets no HorizontalPodAutoscaler',
  'Canary.spec.autoscalerRef.primaryScalerReplicas': "- the target autoscaler's minReplicas and maxReplicas",
  'Canary.spec.autoscalerRef.primaryScalerReplicas.minReplicas': "- the target autoscaler's",
  'Canary.spec.autoscalerRef.primaryScalerReplicas.maxReplicas': "- the target autoscaler's",
  'Canary.spec.ingressRef': '- none (required when the provider is nginx or skipper)',
  'Canary.spec.upstreamRef.namespace': sameNamespace,
  'Canary.spec.service': '- none (required unless the provider is knative, whose Knative Service is its own)',
  'Canary.spec.service.name': '- the name of spec.targetRef',
  'Canary.spec.service.targetPort': '- spec.service.port',
  'Canary.spec.service.gatewayRefs': '- none (required when the provider is gatewayapi)',
  'Canary.spec.service.gatewayRefs[].namespace': sameNamespace,
  'Canary.spec.service.match': '- none: every request',
  'Canary.spec.analysis': '- none: a new revision is promoted without analysis',
  'Canary.spec.analysis.iterations': `0 (${KUBERNETES_BLUE_GREEN_ITERATIONS} with the kubernetes provider)`,
  'Canary.spec.analysis.mirrorWeight': "- every request (the provider's own default)",
  'Canary.spec.analysis.stepWeight': '- none: set stepWeight, stepWeights or iterations',
  'Canary.spec.analysis.stepWeightPromotion': '- none: the primary takes all traffic back in one step',
  'Canary.spec.analysis.interval': formatDuration(DEFAULTS.intervalMs),
  'Canary.spec.analysis.threshold': String(DEFAULTS.threshold),
  'Canary.spec.analysis.maxWeight': String(DEFAULTS.maxWeight),
  'Canary.spec.analysis.primaryReadyThreshold': String(DEFAULTS.readyThreshold),
  'Canary.spec.analysis.canaryReadyThreshold': String(DEFAULTS.readyThreshold),
  'Canary.spec.analysis.match': '- none: every request (A/B testing needs at least one)',
  'Canary.spec.analysis.alerts[].severity': 'info',
  'Canary.spec.analysis.alerts[].providerRef.namespace': sameNamespace,
  'Canary.spec.analysis.metrics[].interval': DEFAULTS.metricInterval,
  'Canary.spec.analysis.metrics[].thresholdRange': '- none: a metric needs thresholdRange.min or .max (or threshold)',
  'Canary.spec.analysis.metrics[].thresholdRange.min': '- no lower bound',
  'Canary.spec.analysis.metrics[].thresholdRange.max': '- no upper bound',
  'Canary.spec.analysis.metrics[].templateRef': '- none: a builtin metric, or query',
  'Canary.spec.analysis.metrics[].templateRef.namespace': sameNamespace,
  'Canary.spec.analysis.metrics[].minRequestCount': '- none: every result counts',
  'Canary.spec.analysis.metrics[].sluiceJudge': '- none: thresholds only',
  'Canary.spec.analysis.metrics[].sluiceJudge.direction': 'increase for request-duration, decrease for request-success-rate, either for the others',
  'Canary.spec.analysis.metrics[].sluiceJudge.confidence': String(JUDGE_DEFAULTS.confidence),
  'Canary.spec.analysis.metrics[].sluiceJudge.tolerance': '- none: any significant shift in the bad direction fails',
  'Canary.spec.analysis.metrics[].sluiceJudge.step': JUDGE_DEFAULTS.step,
  'Canary.spec.analysis.metrics[].sluiceJudge.minSamples': String(JUDGE_DEFAULTS.minSamples),
  'Canary.spec.analysis.webhooks[].type': 'rollout',
  'Canary.spec.analysis.webhooks[].timeout': formatDuration(DEFAULTS.webhookTimeoutMs),
  'Canary.spec.analysis.webhooks[].retries': '0',
  'Canary.spec.canaryAnalysis': '- none (the deprecated name of spec.analysis)',
  'Canary.spec.progressDeadlineSeconds': String(DEFAULTS.progressDeadlineSeconds),
  'MetricTemplate.spec.provider.address': "- the Canary's metricsServer for prometheus; a SaaS backend's public API endpoint",
  'AlertProvider.spec.address': '- the `address` key of the Secret named by secretRef',
};

export function documentedDefaultOf(path: string): string | undefined {
  return Object.hasOwn(DOCUMENTED_DEFAULTS, path) ? DOCUMENTED_DEFAULTS[path] : undefined;
}
