// The example app and Canary of the e2e tests (test/e2e/support/rollout.ts), under any name so
// several can share a namespace, and the image write whose response time is t0.
import './state-dir.js';
import { appCanary, appDeployment } from '../../test/e2e/support/rollout.js';
import { RESOURCES, type KubeClient } from '../../src/kube/index.js';
import { create } from './cluster.js';

export { appCanary, appDeployment };

export const IMAGE = 'ghcr.io/stefanprodan/podinfo';

export async function createApp(
  client: KubeClient,
  ns: string,
  name: string,
  canarySpec: Record<string, unknown>,
  image = `${IMAGE}:6.0.0`,
  env: Record<string, string> = {},
): Promise<void> {
  await create(client, appDeployment(ns, name, image, 1, env));
  await create(client, appCanary(ns, name, canarySpec));
}

/**
 * `kubectl set image` done by this process (a JSON patch of the first container's image), so the
 * moment its response arrives is known to the millisecond: that moment is returned (Date.now()).
 * With `env`, the container's env (the simulated behaviour) is replaced in the same revision.
 */
export async function setImage(client: KubeClient, ns: string, name: string, image: string, env?: Record<string, string>): Promise<number> {
  const path = `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
  const newEnv = env
    ? [{ op: 'replace', path: '/spec/template/spec/containers/0/env', value: Object.entries(env).map(([k, value]) => ({ name: k, value })) }]
    : [];
  const result = await client.transport.send({
    method: 'PATCH',
    path,
    body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }, ...newEnv],
    contentType: 'application/json-patch+json',
  });
  const at = Date.now();
  if (!result.ok) throw result.error;
  return at;
}

export async function canaryPhase(client: KubeClient, ns: string, name: string): Promise<string | undefined> {
  const c = await client.getIfExists<{ status?: { phase?: string } }>(RESOURCES.canaries, name, ns);
  return c?.status?.phase;
}
