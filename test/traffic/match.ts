// Pure request-matching logic shared by the observers: does a simulated request satisfy a Match, which
// rule serves it, and how to build a request that carries what a match asks for (A/B testing).
import type { Cond, Match, Rule, SimRequest, SimRoute } from './types.js';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function compile(re: string, ignoreCase?: boolean): RegExp | null {
  try {
    // Envoy/RE2 regexes match the whole value; anchoring keeps that semantics.
    return new RegExp(`^(?:${re})$`, ignoreCase ? 'i' : '');
  } catch {
    return null;
  }
}

function fieldValue(req: SimRequest, c: Cond): string | undefined {
  switch (c.field) {
    case 'header':
      return req.headers[(c.name ?? '').toLowerCase()];
    case 'cookie':
      return parseCookies(req.headers['cookie'])[c.name ?? ''];
    case 'query':
      return req.query[c.name ?? ''];
    case 'path':
      return req.path;
    case 'method':
      return req.method;
    case 'host':
      return req.host;
  }
}

type Op = Cond['op'];
type PositiveOp = 'present' | 'exact' | 'prefix' | 'contains' | 'regex';

/** Each negative condition holds exactly when its positive one does not (a missing field included). */
const NEGATION_OF: Partial<Record<Op, PositiveOp>> = {
  absent: 'present',
  'not-exact': 'exact',
  'not-prefix': 'prefix',
  'not-contains': 'contains',
  'not-regex': 'regex',
};

export function condHolds(req: SimRequest, c: Cond): boolean {
  const negated = NEGATION_OF[c.op];
  return negated ? !positiveHolds(req, c, negated) : positiveHolds(req, c, c.op as PositiveOp);
}

function positiveHolds(req: SimRequest, c: Cond, op: PositiveOp): boolean {
  let v = fieldValue(req, c);
  let want = c.value ?? '';
  if (c.ignoreCase && v !== undefined) {
    v = v.toLowerCase();
    want = want.toLowerCase();
  }
  if (v === undefined) return false;
  switch (op) {
    case 'present':
      return true;
    case 'exact':
      return v === want;
    case 'prefix':
      return v.startsWith(want);
    case 'contains':
      return v.includes(want);
    case 'regex':
      return compile(c.value ?? '', c.ignoreCase)?.test(v) ?? false;
  }
}

export const matchHolds = (req: SimRequest, m: Match): boolean => m.conds.every((c) => condHolds(req, c));
export const ruleAccepts = (req: SimRequest, r: Rule): boolean => r.matches.length === 0 || r.matches.some((m) => matchHolds(req, m));

/** Specificity used by Gateway API and Contour: exact path > longer prefix > method > more headers > more query params. */
function specificity(m: Match | undefined): number[] {
  if (!m) return [0, 0, 0, 0, 0];
  const path = m.conds.find((c) => c.field === 'path');
  return [
    path?.op === 'exact' ? 1 : 0,
    path ? (path.value ?? '').length : 0,
    m.conds.some((c) => c.field === 'method') ? 1 : 0,
    m.conds.filter((c) => c.field === 'header' || c.field === 'cookie').length,
    m.conds.filter((c) => c.field === 'query').length,
  ];
}

/** The index of the rule that serves the request, or -1 (no route: the proxy answers 404). */
export function selectRule(route: Pick<SimRoute, 'rules' | 'selection'>, req: SimRequest): number {
  if (route.selection === 'first') return route.rules.findIndex((r) => ruleAccepts(req, r));
  let best = -1;
  let bestScore: number[] = [];
  route.rules.forEach((r, i) => {
    const ms = r.matches.length === 0 ? [undefined] : r.matches.filter((m) => matchHolds(req, m));
    for (const m of ms) {
      const s = specificity(m);
      if (best < 0 || cmp(s, bestScore) > 0) {
        best = i;
        bestScore = s;
      }
    }
  });
  return best;
}
function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** A string that a regex (as used in header/cookie matches) accepts, or undefined if none of a few
 *  simple constructions works. Handles Flagger's usual forms such as `^(.*?;)?(canary=always)(;.*)?$`,
 *  `.*insider.*` and `^(insider|beta)$`. */
export function sampleForRegex(re: string): string | undefined {
  const cands: string[] = [];
  const s = re.replace(/^\^/, '').replace(/\$$/, '');
  // Drop optional groups like (.*?;)? and (;.*)?.
  const noOpt = s.replace(/\((?:[^()\\]|\\.)*\)[?*]/g, '');
  for (const base of [noOpt, s]) {
    let t = base
      .replace(/\(\?:/g, '(')
      .replace(/\(([^()|]*)\|[^()]*\)/g, '$1') // first alternative of (a|b)
      .replace(/\.\*\??/g, '')
      .replace(/\.\+\??/g, 'x')
      .replace(/\[\^?[^\]]*\]\*/g, '')
      .replace(/\[([^\]^])[^\]]*\][+]?/g, '$1')
      .replace(/[()]/g, '')
      .replace(/\\(.)/g, '$1');
    if (t.includes('|')) t = t.split('|')[0];
    cands.push(t);
  }
  cands.push('');
  const compiled = compile(re);
  if (!compiled) return undefined;
  return cands.find((c) => compiled.test(c));
}

/** Modify `req` so that it satisfies `m`, when that can be done by adding headers, cookies, query
 *  parameters or by choosing the path/method. Returns false when a condition cannot be satisfied. */
export function satisfy(req: SimRequest, m: Match): boolean {
  for (const c of m.conds) {
    if (condHolds(req, c)) continue;
    const value = valueSatisfying(c);
    if (value === undefined) return false;
    setField(req, c, value);
  }
  return m.conds.every((c) => condHolds(req, c));
}

/** A value for the condition's field that makes it hold; undefined for a negative condition (it holds
 *  on a request that lacks the field) or a regex no simple sample satisfies. */
function valueSatisfying(c: Cond): string | undefined {
  switch (c.op) {
    case 'exact':
    case 'prefix':
    case 'contains':
      return c.value ?? '';
    case 'present':
      return 'true';
    case 'regex':
      return sampleForRegex(c.value ?? '');
    default:
      return undefined;
  }
}

function setField(req: SimRequest, c: Cond, value: string): void {
  switch (c.field) {
    case 'header':
      req.headers[(c.name ?? '').toLowerCase()] = value;
      break;
    case 'cookie': {
      const jar = parseCookies(req.headers['cookie']);
      jar[c.name ?? ''] = value;
      req.headers['cookie'] = Object.entries(jar)
        .map(([k, v]) => `${k}=${v}`)
        .join('; ');
      break;
    }
    case 'query':
      req.query[c.name ?? ''] = value;
      break;
    case 'path':
      req.path = value.startsWith('/') ? value : `/${value}`;
      break;
    case 'method':
      req.method = value;
      break;
    case 'host':
      req.host = value;
      break;
  }
}

export function plainRequest(host = 'localhost'): SimRequest {
  return { method: 'GET', path: '/', host, headers: { 'user-agent': 'sluice-traffic' }, query: {} };
}

/** The A/B request of a route: a plain request changed to satisfy the first match of the first rule
 *  that has matches (what `hey -H 'X-Canary: insider'` does against a route asking for it), or
 *  undefined when the route has no matches or the match cannot be satisfied. */
export function matchingRequest(route: Pick<SimRoute, 'rules'>, host?: string): SimRequest | undefined {
  for (const r of route.rules) {
    for (const m of r.matches) {
      if (!m.conds.some((c) => c.field === 'header' || c.field === 'cookie' || c.field === 'query')) continue;
      const req = plainRequest(host);
      if (satisfy(req, m)) return req;
    }
  }
  return undefined;
}
