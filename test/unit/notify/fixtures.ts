// A Canary and AlertProviders for the notification tests, plus a fake KubeClient `get`.
import type { AlertProvider, Canary, CanaryAlert } from '../../../src/api/types.js';
import type { ResourceType } from '../../../src/kube/index.js';

export function canary(alerts: CanaryAlert[] = [], edit: (c: Canary) => void = () => {}): Canary {
  const c: Canary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '30s', threshold: 5, maxWeight: 50, stepWeight: 5, alerts },
    },
  };
  edit(c);
  return c;
}

export function provider(name: string, spec: AlertProvider['spec'], namespace = 'test'): AlertProvider {
  return { apiVersion: 'flagger.app/v1beta1', kind: 'AlertProvider', metadata: { name, namespace }, spec };
}

export interface FakeObjects {
  providers: AlertProvider[];
  secrets: { name: string; namespace: string; data: Record<string, string> }[];
}

/** A KubeClient-like `get` over in-memory AlertProviders and Secrets (data stored base64, as the API does). */
export function fakeKube(objects: FakeObjects) {
  return {
    async get<T>(type: ResourceType, name: string, namespace?: string): Promise<T> {
      if (type.plural === 'alertproviders') {
        const p = objects.providers.find((x) => x.metadata.name === name && x.metadata.namespace === namespace);
        if (p) return p as T;
      }
      if (type.plural === 'secrets') {
        const s = objects.secrets.find((x) => x.name === name && x.namespace === namespace);
        if (s)
          return {
            metadata: { name, namespace },
            data: Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          } as T;
      }
      throw new Error(`${type.plural} "${name}" not found in ${namespace}`);
    },
  };
}
