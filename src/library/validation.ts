// Construct validation as cdk8s runs it: every problem becomes one error line, and `app.synth()`
// (so `cdk8s synth`) fails listing them as `[construct/path] field: message`, the field and the
// message exactly as `sluice validate` prints them.
import type { IConstruct } from 'constructs';
import { formatProblem, type Problem } from '../api/problem.js';

export function checkedWith(construct: IConstruct, problems: () => readonly Problem[]): void {
  construct.node.addValidation({ validate: () => problems().map(formatProblem) });
}
