// The benchmarks' cluster: the same local control plane as the tests (test/cluster/up.sh, through
// test/support/cluster.ts) but in its own state dir (.sluice-bench, see state-dir.ts), plus a
// KubeClient of Sluice's own kube layer for the writes whose response time is t0.
import './state-dir.js';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCluster, kubectl, stateDir, type Cluster } from '../../test/support/cluster.js';
import { KubeClient, loadKubeConfig, RESOURCES, isAlreadyExists, type KubeObject, type ResourceType } from '../../src/kube/index.js';
import { pool, say, sleep } from './stats.js';

export { stateDir, kubectl };

/** Kinds the benchmarks read besides Sluice's own. */
export const MORE: Record<'serviceAccounts' | 'pods' | 'nodes' | 'virtualServices', ResourceType> = {
  serviceAccounts: { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true, kind: 'ServiceAccount' },
  pods: { group: '', version: 'v1', plural: 'pods', namespaced: true, kind: 'Pod' },
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false, kind: 'Node' },
  virtualServices: { group: 'networking.istio.io', version: 'v1beta1', plural: 'virtualservices', namespaced: true, kind: 'VirtualService' },
};

export interface BenchCluster extends Cluster {
  readonly client: KubeClient;
}

let cached: BenchCluster | undefined;

export async function benchCluster(): Promise<BenchCluster> {
  if (cached) return cached;
  say(`cluster: ensuring the benchmark cluster in ${stateDir} (test/cluster/up.sh)`);
  const c = await ensureCluster({ quiet: true });
  // Keep the state dir out of `git status` without touching the repo's .gitignore.
  const ignore = join(stateDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  cached = { ...c, client: new KubeClient(loadKubeConfig({ path: c.kubeconfig })) };
  return cached;
}

/** Creates an object; an existing one is left as it is. */
export async function create(client: KubeClient, object: Record<string, unknown>): Promise<void> {
  const o = object as unknown as KubeObject;
  const type = await client.discovery.resourceFor(o.apiVersion, o.kind);
  try {
    await client.create(type, o);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function createNamespaces(client: KubeClient, names: readonly string[]): Promise<void> {
  await pool(names, 16, (name) => create(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'sluice.dev/bench': 'true' } } }));
  // A namespace is usable for pods once its default ServiceAccount exists.
  await pool(names, 16, async (name) => {
    for (let i = 0; i < 300; i++) {
      if (await client.getIfExists(MORE.serviceAccounts, 'default', name)) return;
      await sleep(200);
    }
  });
}

/** Deletes the namespaces without waiting (the namespace controller empties them). */
export async function deleteNamespaces(client: KubeClient, names: readonly string[]): Promise<void> {
  await pool(names, 16, (name) => client.delete(RESOURCES.namespaces, name, undefined, { propagationPolicy: 'Background' }).catch(() => false));
}

/**
 * Waits until no namespace labelled as a benchmark's is left: those of an interrupted run are
 * deleted first (they are this cluster's own), then the wait covers their termination.
 */
export async function waitForNoBenchNamespaces(client: KubeClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    const items = (
      await client.list<{ metadata: { name: string }; status?: { phase?: string } }>(RESOURCES.namespaces, { labelSelector: 'sluice.dev/bench=true' })
    ).items;
    if (items.length === 0) return;
    const active = items.filter((n) => n.status?.phase !== 'Terminating').map((n) => n.metadata.name);
    if (active.length) await deleteNamespaces(client, active);
    if (!announced) say(`cluster: waiting for ${items.length} benchmark namespaces to go (${active.length} still active: deleted now)`);
    announced = true;
    if (Date.now() > deadline) {
      say(`cluster: ${items.length} benchmark namespaces still terminating after ${timeoutMs / 1000} s; going on`);
      return;
    }
    await sleep(2000);
  }
}
