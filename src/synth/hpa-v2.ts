// HorizontalPodAutoscaler specs of older API versions written as autoscaling/v2, the only version
// a current apiserver serves. v2beta2 has the v2 shape already; v1 and v2beta1 are converted.
import type { HorizontalPodAutoscalerJson, JsonObject } from './kube-json.js';

export type HpaSpecV2 = Pick<HorizontalPodAutoscalerJson['spec'], 'minReplicas' | 'maxReplicas' | 'metrics' | 'behavior'>;

export const SUPPORTED_HPA_VERSIONS: readonly string[] = ['autoscaling/v2', 'autoscaling/v2beta2', 'autoscaling/v2beta1', 'autoscaling/v1'];

/** minReplicas, maxReplicas, metrics and behavior of `hpa` in the autoscaling/v2 shape. */
export function hpaSpecV2(hpa: HorizontalPodAutoscalerJson): HpaSpecV2 {
  const { minReplicas, maxReplicas, metrics, behavior, targetCPUUtilizationPercentage } = hpa.spec;
  const base = { ...(minReplicas !== undefined ? { minReplicas } : {}), maxReplicas };
  switch (hpa.apiVersion) {
    case 'autoscaling/v1':
      return targetCPUUtilizationPercentage === undefined
        ? base
        : { ...base, metrics: [resourceMetric('cpu', { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage })] };
    case 'autoscaling/v2beta1':
      return { ...base, ...(metrics ? { metrics: metrics.map(metricFromV2beta1) } : {}) };
    default:
      return {
        ...base,
        ...(metrics ? { metrics: structuredClone(metrics) } : {}),
        ...(behavior ? { behavior: structuredClone(behavior) } : {}),
      };
  }
}

function resourceMetric(name: string, target: JsonObject): JsonObject {
  return { type: 'Resource', resource: { name, target } };
}

/** v2beta1 put the target's numbers next to the metric; v2 groups them in a `target`. */
function metricFromV2beta1(metric: JsonObject): JsonObject {
  const averageTarget = (m: JsonObject) =>
    m.targetAverageUtilization !== undefined
      ? { type: 'Utilization', averageUtilization: m.targetAverageUtilization }
      : { type: 'AverageValue', averageValue: m.targetAverageValue };
  const identifier = (m: JsonObject) => ({ name: m.metricName, ...((m.selector ?? m.metricSelector) ? { selector: m.selector ?? m.metricSelector } : {}) });
  switch (metric.type) {
    case 'Resource':
      return resourceMetric(metric.resource.name, averageTarget(metric.resource));
    case 'Pods':
      return { type: 'Pods', pods: { metric: identifier(metric.pods), target: { type: 'AverageValue', averageValue: metric.pods.targetAverageValue } } };
    case 'Object': {
      const o = metric.object;
      const target = o.averageValue !== undefined ? { type: 'AverageValue', averageValue: o.averageValue } : { type: 'Value', value: o.targetValue };
      return { type: 'Object', object: { describedObject: o.target, metric: identifier(o), target } };
    }
    case 'External': {
      const e = metric.external;
      const target =
        e.targetAverageValue !== undefined ? { type: 'AverageValue', averageValue: e.targetAverageValue } : { type: 'Value', value: e.targetValue };
      return { type: 'External', external: { metric: identifier(e), target } };
    }
    default:
      return structuredClone(metric);
  }
}
