// Istio's HTTPMatchRequest is the match language of the Canary API (`spec.service.match`,
// `spec.analysis.match`); routers translate it. This is the one merge rule they share.
import type { HTTPMatchRequest } from '../../api/types.js';

/**
 * A/B routes: each analysis match combined with each service match. The service match keeps the
 * path (uri, method, ...); the analysis match brings the headers, query parameters and source
 * labels that pick the test traffic.
 */
export function mergeMatches(analysis: readonly HTTPMatchRequest[], service: readonly HTTPMatchRequest[]): HTTPMatchRequest[] {
  if (service.length === 0) return analysis.map((m) => structuredClone(m));
  return analysis.flatMap((a) =>
    service.map((s) => ({
      ...structuredClone(s),
      ...(a.headers ? { headers: structuredClone(a.headers) } : {}),
      ...(a.queryParams ? { queryParams: structuredClone(a.queryParams) } : {}),
      ...(a.sourceLabels ? { sourceLabels: structuredClone(a.sourceLabels) } : {}),
    })),
  );
}

/** Every header condition of the analysis matches, in the order written: `[name, match]`. */
export function headerConditionsOf(matches: readonly HTTPMatchRequest[]) {
  return matches.flatMap((m) => Object.entries(m.headers ?? {}));
}
