// Watches in the benchmark process, so every time it reports is the moment an object change
// reached it (millisecond resolution, no polling): Canary status changes and Events.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../../src/kube/index.js';
import { say } from './stats.js';

export interface Seen<T> {
  readonly type: string;
  readonly object: T;
  /** Date.now() when the watch delivered it. */
  readonly at: number;
}

/**
 * Watches `path` (a collection, e.g. /api/v1/events) from the current resourceVersion on and calls
 * `onEvent` for each ADDED/MODIFIED/DELETED; re-watches from the last version seen when the
 * server closes the watch. stop() ends it.
 */
export async function watchFrom<T extends { metadata?: { resourceVersion?: string } }>(
  client: KubeClient,
  kc: KubeConfig,
  path: string,
  onEvent: (seen: Seen<T>) => void,
  query: Record<string, string> = {},
): Promise<{ stop(): void }> {
  const list = await client.transport.send<{ metadata?: { resourceVersion?: string } }>({ method: 'GET', path, query: { ...query, limit: 1 } });
  if (!list.ok) throw list.error;
  let resourceVersion = list.data.metadata?.resourceVersion ?? '';
  let stopped = false;
  let abort: AbortController | undefined;
  const watch = new Watch(kc);
  const start = async (): Promise<void> => {
    abort = await watch.watch(
      path,
      { ...query, resourceVersion, allowWatchBookmarks: true },
      (type, object: T) => {
        const at = Date.now();
        if (object?.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
        if (type === 'BOOKMARK' || type === 'ERROR') return;
        onEvent({ type, object, at });
      },
      (err) => {
        if (stopped) return;
        if (err && !String(err).includes('aborted')) say(`watch ${path} ended (${String(err)}); watching again`);
        setTimeout(
          () => {
            void start().catch((e) => say(`watch ${path} failed: ${String(e)}`));
          },
          err ? 500 : 0,
        );
      },
    );
  };
  await start();
  return {
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}
