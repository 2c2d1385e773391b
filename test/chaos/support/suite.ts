// The hooks every chaos suite shares: the local control plane up before its tests (an hour at
// most: a cold CI machine builds Kubernetes first), each test's result and time printed after
// it, and after all of them the suite's own cleanup steps, then its namespaces deleted (kept with
// SLUICE_KEEP_NAMESPACES=1) and the cluster checked healthy: every step runs even when one fails.
import { ensureCluster } from '../../support/cluster.js';
import { deleteNamespace } from '../../e2e/support/rollout.js';
import { say, sayDuration } from './canary.js';
import { cleanup } from './cleanup.js';
import { restartStopped, waitClusterHealthy } from './components.js';

export interface ChaosSuite {
  /** The after-all hook's time limit. */
  readonly cleanupMs: number;
  /** The suite's own steps, in order (close watches, restart components, stop operators, ...). */
  readonly steps: Record<string, () => unknown>;
  /** Read at cleanup time: suites add namespaces as their tests make them. */
  readonly namespaces: () => readonly string[];
  /** How long the cluster may take to be healthy again; waitClusterHealthy's default otherwise. */
  readonly healthMs?: number;
}

/** Registers the shared hooks on the enclosing describe(). */
export function chaosSuiteHooks(suite: ChaosSuite): void {
  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster({ quiet: true });
  });
  afterEach(function () {
    sayDuration(this.currentTest);
  });
  after(async function () {
    this.timeout(suite.cleanupMs);
    await cleanup({
      ...suite.steps,
      namespaces: () => process.env.SLUICE_KEEP_NAMESPACES || Promise.all(suite.namespaces().map(deleteNamespace)),
      health: () => waitClusterHealthy(suite.healthMs),
    });
  });
}

/** A cleanup step: starts again whatever component the test stopped, and says which. */
export async function restartWhatWasStopped(): Promise<void> {
  const restarted = await restartStopped();
  if (restarted.length) say(`after: restarted ${restarted.join(', ')}`);
}
