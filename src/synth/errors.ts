// Input problems found while synthesizing, told the way cdk8s reports construct errors:
// `[construct/path] field: what is wrong`. The path says which object was being built, the
// field says what to fix in the user's manifests.
import type { IConstruct } from 'constructs';

export class SynthError extends Error {
  constructor(
    readonly constructPath: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`[${constructPath}] ${field}: ${detail}`);
    this.name = 'SynthError';
  }
}

/** Throws a SynthError for `scope`. */
export function fail(scope: IConstruct, field: string, detail: string): never {
  throw new SynthError(scope.node.path, field, detail);
}
