// Where Sluice finds its cluster: an explicit kubeconfig path, $KUBECONFIG, the in-cluster
// service account, or ~/.kube/config, in that order (controller-runtime's order).
// Why not KubeConfig.loadFromDefault alone: when it finds nothing it silently falls back to
// http://localhost:8080, and a controller talking to nowhere is worse than one that refuses to start.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
// Deep import: the package's index loads every generated API model (see bin/client-node-slim.mjs).
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';

export interface KubeConfigSource {
  /** A kubeconfig file; wins over everything else. */
  readonly path?: string;
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** The apiserver URL, over the current cluster's (Flagger's -master). */
  readonly server?: string;
}

/** Where loadKubeConfig would load from, without loading: for logs and tests. */
export function kubeConfigOrigin(source: KubeConfigSource = {}): { kind: 'file'; path: string } | { kind: 'in-cluster' } | undefined {
  const env = source.env ?? process.env;
  if (source.path) return { kind: 'file', path: source.path };
  if (env.KUBECONFIG) return { kind: 'file', path: env.KUBECONFIG };
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) return { kind: 'in-cluster' };
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  return existsSync(home) ? { kind: 'file', path: home } : undefined;
}

/** Loads the kubeconfig Sluice should use; throws when there is none. */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const origin = kubeConfigOrigin(source);
  const kc = new KubeConfig();
  if (!origin) {
    throw new Error('no Kubernetes configuration: set KUBECONFIG, pass a kubeconfig path, or run inside a cluster');
  }
  if (origin.kind === 'in-cluster') {
    kc.loadFromCluster();
  } else {
    // $KUBECONFIG may list several files; client-node merges them like kubectl does.
    const files = origin.path.split(':').filter(Boolean);
    kc.loadFromFile(files[0]);
    for (const file of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more);
    }
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig ${origin.kind === 'file' ? origin.path : 'in-cluster'} has no current cluster`);
  return source.server ? withServer(kc, cluster.name, source.server) : kc;
}

/** `kc` with the cluster `name` at `server`; users, contexts and the cluster's TLS settings unchanged. */
function withServer(kc: KubeConfig, name: string, server: string): KubeConfig {
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c.name === name ? { ...c, server } : c)),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return out;
}
