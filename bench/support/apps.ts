// The example app and Canary of the e2e tests (test/e2e/support/rollout.ts), under any name so
// several can share a namespace, and the image write whose response time is t0.
import './state-dir.js';
import { podinfoCanary, podinfoDeployment } from '../../test/e2e/support/rollout.js';
import { RESOURCES, type KubeClient } from '../../src/kube/index.js';
import { create } from './cluster.js';

export const IMAGE = 'ghcr.io/stefanprodan/podinfo';

/** podinfoDeployment renamed: name, app label, selector and pod labels. */
export function appDeployment(ns: string, name: string, image: string, replicas = 1, env: Record<string, string> = {}): Record<string, any> {
  const d = podinfoDeployment(ns, image, replicas, env) as Record<string, any>;
  d.metadata.name = name;
  d.metadata.labels = { app: name };
  d.spec.selector = { matchLabels: { app: name } };
  d.spec.template.metadata.labels = { app: name };
  return d;
}

/** podinfoCanary renamed, targeting appDeployment(ns, name). */
export function appCanary(ns: string, name: string, spec: Record<string, unknown>): Record<string, any> {
  const c = podinfoCanary(ns, spec) as Record<string, any>;
  c.metadata.name = name;
  c.spec.targetRef = { ...c.spec.targetRef, name };
  return c;
}

export async function createApp(client: KubeClient, ns: string, name: string, canarySpec: Record<string, unknown>, image = `${IMAGE}:6.0.0`): Promise<void> {
  await create(client, appDeployment(ns, name, image));
  await create(client, appCanary(ns, name, canarySpec));
}

/**
 * `kubectl set image` done by this process (a JSON patch of the first container's image), so the
 * moment its response arrives is known to the millisecond: that moment is returned (Date.now()).
 */
export async function setImage(client: KubeClient, ns: string, name: string, image: string): Promise<number> {
  const path = `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
  const result = await client.transport.send({
    method: 'PATCH',
    path,
    body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
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
