// Imported first by every cluster benchmark: unless SLUICE_STATE_DIR says otherwise, benchmarks
// use a cluster of their own (.sluice-bench), never the test cluster (.sluice). It must run
// before test/support/cluster.ts is evaluated, which reads the variable once at import time.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
process.env.SLUICE_STATE_DIR ||= join(repoRoot, '.sluice-bench');
