// Helpers for unit tests that serve a scripted apiserver from a plain node:http server (watch
// streams included, which the request/answer fake in fake-apiserver.ts cannot hold open).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** Resolves once `check` holds; fails after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A kubeconfig pointing at a listening local server. */
export function kubeConfigFor(server: Server): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'f', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'f', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}
