// A validation problem: the dotted field path it concerns and what is wrong there.
// Every validator returns all of them at once, so a user fixes a manifest in one pass.

export interface Problem {
  /** e.g. "spec.analysis.stepWeight" */
  readonly path: string;
  readonly message: string;
}

export function problem(path: string, message: string): Problem {
  return { path, message };
}

export function formatProblem(p: Problem): string {
  return `${p.path}: ${p.message}`;
}

/** Joins a parent path and a key or index: ("spec.metrics", 2) -> "spec.metrics[2]". */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * A user's value quoted for a message, about 40 characters at most whatever the value: a 2 MB
 * string is not copied into every message, and a 10,000-deep object (which JSON.stringify
 * cannot take) is not walked.
 */
export function quote(value: unknown): string {
  // NaN and the infinities have no JSON: JSON.stringify calls them null.
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  if (typeof value === 'string') return value.length > 40 ? `${JSON.stringify(value.slice(0, 37)).slice(0, -1)}..."` : JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${shallow(value[0])}${value.length > 1 ? ', ...' : ''}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    return keys.length === 0 ? '{}' : `{${quote(keys[0])}:${shallow((value as Record<string, unknown>)[keys[0]])}${keys.length > 1 ? ', ...' : ''}}`;
  }
  return String(value);
}

/** One level of a value: scalars quoted, containers elided. */
function shallow(value: unknown): string {
  if (Array.isArray(value)) return '[...]';
  if (typeof value === 'object' && value !== null) return '{...}';
  return quote(value);
}
