// What each provider's router can write of the Canary API's match language (Istio's
// HTTPMatchRequest, in `spec.service.match` and `spec.analysis.match`). Validation refuses the
// rest at admission, naming the field, so a Canary never reaches the controller only for synthesis
// to refuse it on every reconcile. Each entry mirrors its router in src/synth/routers; the property
// test test/unit/fuzz/validation-synthesis.test.ts holds the two together.
import { CANARY_LIMITS } from './limits.js';
import { type Problem, problem, childPath } from './problem.js';
import type { Provider } from './providers.js';
import type { HTTPMatchRequest } from './types.js';

export const STRING_MATCH_KINDS = ['exact', 'prefix', 'suffix', 'regex'] as const;
export type StringMatchKind = (typeof STRING_MATCH_KINDS)[number];

/** The StringMatch fields of an HTTPMatchRequest, and its maps of them (by header or parameter name). */
export const STRING_MATCH_FIELDS = ['uri', 'scheme', 'method', 'authority'] as const;
export const STRING_MATCH_MAPS = ['headers', 'withoutHeaders', 'queryParams'] as const;
type MatchField = (typeof STRING_MATCH_FIELDS)[number] | (typeof STRING_MATCH_MAPS)[number];

/** How one field of a match is written: the kinds of StringMatch the router can express. */
interface FieldSupport {
  readonly kinds: readonly StringMatchKind[];
  /** What the user reads: "a path", "a header"; empty when the kinds are the same for every field. */
  readonly what: string;
  /** True when an empty StringMatch (`{}`) is refused: the router has nothing to write. */
  readonly needsAKind: boolean;
}

interface MatchSupport {
  /** The provider as messages name it. */
  readonly label: string;
  /** Which match lists the router reads; fields it does not read are ignored, not refused. */
  readonly lists: readonly ('service' | 'analysis')[];
  readonly fields: Partial<Record<MatchField, FieldSupport>>;
}

const ISTIO_KINDS: FieldSupport['kinds'] = ['exact', 'prefix', 'regex'];
const istioField = (what: string): FieldSupport => ({ kinds: ISTIO_KINDS, what, needsAKind: false });

const ISTIO: MatchSupport = {
  label: 'Istio',
  lists: ['service', 'analysis'],
  fields: Object.fromEntries([...STRING_MATCH_FIELDS, ...STRING_MATCH_MAPS].map((f) => [f, istioField('')])),
};

const GATEWAY_API: MatchSupport = {
  label: 'Gateway API',
  lists: ['service', 'analysis'],
  fields: {
    uri: { kinds: ['exact', 'prefix', 'regex'], what: 'a path', needsAKind: true },
    method: { kinds: ['exact'], what: 'a method', needsAKind: true },
    headers: { kinds: ['exact', 'regex'], what: 'a header', needsAKind: true },
    queryParams: { kinds: ['exact', 'regex'], what: 'a query parameter', needsAKind: true },
  },
};

/** Providers whose router reads match conditions; the others either refuse A/B testing or ignore them. */
const MATCH_SUPPORT: Partial<Record<Provider, MatchSupport>> = {
  istio: ISTIO,
  'gatewayapi:v1': GATEWAY_API,
  'gatewayapi:v1beta1': GATEWAY_API,
  // The A/B route of Gloo and Contour reads the analysis headers only.
  gloo: { label: 'Gloo', lists: ['analysis'], fields: { headers: { kinds: ['exact', 'regex'], what: 'a header', needsAKind: true } } },
  // Contour matches prefix and suffix as "contains".
  contour: { label: 'Contour', lists: ['analysis'], fields: { headers: { kinds: [...STRING_MATCH_KINDS], what: 'a header', needsAKind: true } } },
};

const list = (kinds: readonly string[]) => (kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`);

/** The problems of one StringMatch at `path`, or none. */
function stringMatchProblems(value: unknown, path: string, support: FieldSupport, label: string): Problem[] {
  if (!value || typeof value !== 'object') return [];
  const set = STRING_MATCH_KINDS.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  const what = support.what ? ` ${support.what}` : '';
  const unsupported = set.filter((k) => !support.kinds.includes(k));
  if (unsupported.length) {
    return unsupported.map((k) => problem(`${path}.${k}`, `${label} has no ${k} match${what ? ` for${what}` : ''}; use ${list(support.kinds)}`));
  }
  if (set.length === 0 && support.needsAKind) return [problem(path, `is empty: ${label} matches${what} by ${list(support.kinds)}`)];
  return [];
}

function matchProblems(match: unknown, path: string, support: MatchSupport): Problem[] {
  if (!match || typeof match !== 'object') return [];
  const m = match as Record<string, unknown>;
  const out: Problem[] = [];
  for (const [field, fieldSupport] of Object.entries(support.fields) as [MatchField, FieldSupport][]) {
    const value = m[field];
    if ((STRING_MATCH_MAPS as readonly string[]).includes(field)) {
      if (!value || typeof value !== 'object') continue;
      for (const [name, v] of Object.entries(value)) out.push(...stringMatchProblems(v, childPath(`${path}.${field}`, name), fieldSupport, support.label));
    } else {
      out.push(...stringMatchProblems(value, `${path}.${field}`, fieldSupport, support.label));
    }
  }
  return out;
}

/**
 * The match conditions of `spec.service.match` and `<analysisPath>.match` that `provider` cannot
 * write. Only the first CANARY_LIMITS.matches of each list: past it the structural check refuses it.
 */
export function unsupportedMatchProblems(
  provider: string,
  lists: { service?: readonly HTTPMatchRequest[]; analysis?: readonly HTTPMatchRequest[] },
  analysisPath: string,
): Problem[] {
  const support = Object.hasOwn(MATCH_SUPPORT, provider) ? MATCH_SUPPORT[provider as Provider] : undefined;
  if (!support) return [];
  const of = (matches: readonly HTTPMatchRequest[] | undefined, path: string) =>
    (Array.isArray(matches) ? matches.slice(0, CANARY_LIMITS.matches) : []).flatMap((m, i) => matchProblems(m, childPath(path, i), support));
  return [
    ...(support.lists.includes('service') ? of(lists.service, 'spec.service.match') : []),
    ...(support.lists.includes('analysis') ? of(lists.analysis, `${analysisPath}.match`) : []),
  ];
}
