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
