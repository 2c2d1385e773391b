// Which builtin queries a Canary's provider gets, as Flagger's observer factory chooses them.
import { BUILTIN_METRICS } from '../api/validate.js';
import { renderQuery, type QueryModel } from './template.js';
import type { BuiltinFamily } from './builtins/family.js';
import { PROVIDERS, isSupportedProvider } from '../api/providers.js';
import { istio } from './builtins/istio.js';
import { appmesh, gloo } from './builtins/envoy.js';
import { http } from './builtins/http.js';

export type { BuiltinFamily } from './builtins/family.js';
export type BuiltinMetricName = (typeof BUILTIN_METRICS)[number];

/**
 * Flagger's providers that Sluice does not route for (App Mesh, retired), whose queries `sluice
 * check` still renders; the served ones carry theirs in src/api/providers.ts.
 */
const NOT_ROUTED: Record<string, BuiltinFamily> = { appmesh };
/** Then the prefixes Flagger matches (appmesh:v1beta2, gatewayapi:v1alpha2, ...). */
const PREFIXES: [string, BuiltinFamily][] = [
  ['appmesh', appmesh],
  ['gloo', gloo],
  ['gatewayapi', http],
];

export function isBuiltinMetric(name: string): name is BuiltinMetricName {
  return (BUILTIN_METRICS as readonly string[]).includes(name);
}

/**
 * The query family of a provider. Like Flagger, a provider without its own metrics
 * (smi:*, or anything unknown) gets Istio's: such a canary then finds no values and halts,
 * which is the fail-closed outcome.
 */
export function builtinFamily(provider: string): BuiltinFamily {
  if (isSupportedProvider(provider)) return PROVIDERS[provider].builtins;
  if (Object.hasOwn(NOT_ROUTED, provider)) return NOT_ROUTED[provider];
  const prefixed = PREFIXES.find(([prefix]) => provider.startsWith(prefix));
  return prefixed ? prefixed[1] : istio;
}

/** The query template of one builtin metric for a provider. */
export function builtinQuery(provider: string, metricName: BuiltinMetricName): string {
  const family = builtinFamily(provider);
  return metricName === 'request-success-rate' ? family.requestSuccessRate : family.requestDuration;
}

/** A builtin query (or the request count, with metricName 'request-count') rendered for a model. */
export function renderBuiltinQuery(provider: string, metricName: BuiltinMetricName | 'request-count', model: QueryModel): string {
  const family = builtinFamily(provider);
  const template = metricName === 'request-count' ? family.requestCount : builtinQuery(provider, metricName);
  return renderQuery(template, family.adaptModel ? family.adaptModel(model) : model);
}
