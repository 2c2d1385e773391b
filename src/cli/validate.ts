// `sluice validate <file...>`: every problem of every Canary, MetricTemplate and AlertProvider.
import { readManifests, describeDoc } from '../io/manifests.js';
import { validateDocument } from '../api/validate.js';
import { documentWarnings } from '../api/warnings.js';
import { formatProblem } from '../api/problem.js';

export interface ValidateReport {
  readonly lines: string[];
  readonly invalid: number;
  readonly checked: number;
}

export function validateFiles(paths: string[], defaultProvider?: string): ValidateReport {
  const lines: string[] = [];
  let invalid = 0;
  let checked = 0;
  for (const doc of readManifests(paths)) {
    const problems = validateDocument(doc.object, defaultProvider);
    const where = `${doc.file}: ${describeDoc(doc)}`;
    if (problems === null) {
      lines.push(`${where}: skipped (not a flagger.app kind)`);
      continue;
    }
    checked++;
    if (problems.length === 0) {
      lines.push(`${where}: valid`);
      for (const w of documentWarnings(doc.object, defaultProvider)) lines.push(`  warning: ${formatProblem(w)}`);
    } else {
      invalid++;
      lines.push(`${where}: ${problems.length} problem${problems.length > 1 ? 's' : ''}`);
      for (const p of problems) lines.push(`  ${formatProblem(p)}`);
    }
  }
  return { lines, invalid, checked };
}
