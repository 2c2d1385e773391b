// Secrets are read by name, never listed or watched: the operator keeps no Secret in memory beyond
// one reconcile, and its ClusterRole needs only `get` on them (issue #17; Flagger reads them the
// same way). A reconcile GETs the Secrets its target's pod template names (the places config
// tracking covers) and, before an apply, the stored `-primary` copies it is about to write. The
// price of no watch: a changed Secret is seen at the Canary's next look, so a Canary whose target
// reads Secrets is looked at every analysis interval, even when idle (Flagger polls at that pace).
import { RESOURCES, type KubeClient, type KubeObject } from '../kube/index.js';
import { configRefsOf } from '../synth/pod-template.js';
import type { JsonObject } from '../synth/kube-json.js';

type SecretGetter = Pick<KubeClient, 'getIfExists'>;

export const isSecret = (o: KubeObject): boolean => o.apiVersion === 'v1' && o.kind === 'Secret';

/** Names of the Secrets a Deployment's pod template references (volumes, projected, env, envFrom), once each. */
export function secretNamesOf(target: KubeObject | undefined): string[] {
  const podSpec = (target?.spec as { template?: { spec?: JsonObject } } | undefined)?.template?.spec;
  return configRefsOf(podSpec)
    .filter((r) => r.kind === 'Secret')
    .map((r) => r.name);
}

/** The named Secrets of one namespace that exist, one GET each. */
export async function readSecrets(client: SecretGetter, namespace: string, names: readonly string[]): Promise<KubeObject[]> {
  const found = await Promise.all(names.map((name) => client.getIfExists<KubeObject>(RESOURCES.secrets, name, namespace)));
  return found.filter((s): s is KubeObject => s !== undefined);
}

/**
 * The longest a Canary may go without a look: `ceilingMs`, or its analysis interval when its target
 * reads Secrets, whose changes no watch reports.
 */
export function lookAgainWithin(readsSecrets: boolean, intervalMs: number, ceilingMs: number): number {
  return readsSecrets ? Math.min(intervalMs, ceilingMs) : ceilingMs;
}

/**
 * The stored versions of the Secrets one reconcile applies, read just before the apply: `lookup`
 * answers like a synced cache (null: none stored) for those read, `undefined` for any other.
 */
export class StoredSecrets {
  private readonly stored = new Map<string, KubeObject | null>();

  constructor(private readonly client: SecretGetter) {}

  async read(objects: readonly KubeObject[]): Promise<void> {
    await Promise.all(
      objects.filter(isSecret).map(async (o) => {
        const { name, namespace } = o.metadata;
        if (!name) return;
        this.stored.set(`${namespace}/${name}`, (await this.client.getIfExists<KubeObject>(RESOURCES.secrets, name, namespace)) ?? null);
      }),
    );
  }

  lookup(o: KubeObject): KubeObject | null | undefined {
    return this.stored.get(`${o.metadata.namespace}/${o.metadata.name}`);
  }
}
