// Flagger's -no-cross-namespace-refs: on a cluster shared by tenants, a Canary may name only
// MetricTemplates, AlertProviders and Gloo Upstreams of its own namespace (a reference without a
// namespace is to the Canary's own, as Flagger 1.44 reads it). Such a Canary is invalid: the
// operator says so on the Canary and acts on nothing of it.
import { type Problem, problem } from './problem.js';
import type { Canary } from './types.js';

export function crossNamespaceProblems(canary: Canary): Problem[] {
  const own = canary.metadata?.namespace ?? 'default';
  const elsewhere = (ns: string | undefined) => ns !== undefined && ns !== '' && ns !== own;
  const blocked = (what: string, ns: string, name: string) =>
    `can't access ${what} ${name}.${ns}, cross-namespace references are blocked (-no-cross-namespace-refs)`;
  const out: Problem[] = [];
  const upstream = canary.spec?.upstreamRef;
  if (upstream && elsewhere(upstream.namespace)) out.push(problem('spec.upstreamRef.namespace', blocked('gloo upstream', upstream.namespace!, upstream.name)));
  const analysisPath = canary.spec?.analysis ? 'spec.analysis' : 'spec.canaryAnalysis';
  const analysis = canary.spec?.analysis ?? canary.spec?.canaryAnalysis;
  (analysis?.metrics ?? []).forEach((m, i) => {
    const ref = m?.templateRef;
    if (ref && elsewhere(ref.namespace))
      out.push(problem(`${analysisPath}.metrics[${i}].templateRef.namespace`, blocked('metric template', ref.namespace!, ref.name)));
  });
  (analysis?.alerts ?? []).forEach((a, i) => {
    const ref = a?.providerRef;
    if (ref && elsewhere(ref.namespace))
      out.push(problem(`${analysisPath}.alerts[${i}].providerRef.namespace`, blocked('alert provider', ref.namespace!, ref.name)));
  });
  return out;
}
