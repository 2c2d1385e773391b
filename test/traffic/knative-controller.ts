// Carries out the simulated Knative controller (knative.ts) against the API server: creates each new
// revision's Deployment and private Service, and writes the Knative Service's status when it changed.
// The Deployments are real ones: kube-controller-manager and kwok run their pods, whose readiness
// makes a revision ready. A write that conflicts (someone changed the Service meanwhile) is redone on
// the next pass, from the newer object.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { KSERVICE, knativeStep } from './knative.js';
import type { KObj } from './types.js';

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const alreadyExists = (e: any) => e?.code === 409 || e?.statusCode === 409 || e?.body?.reason === 'AlreadyExists';

export class KnativeController {
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private running = false;

  constructor(
    kc: KubeConfig,
    private readonly log: (...a: unknown[]) => void,
  ) {
    this.apps = kc.makeApiClient(AppsV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /** One pass over every Knative Service; a pass still running is not overlapped. */
  async pass(services: KObj[], deployments: KObj[]): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const service of services)
        await this.reconcile(service, deployments).catch((e) => this.log(`knative ${service.metadata.name}:`, e?.body?.message ?? e));
    } finally {
      this.running = false;
    }
  }

  private async reconcile(service: KObj, deployments: KObj[]): Promise<void> {
    const namespace = service.metadata.namespace ?? 'default';
    const step = knativeStep(service, deployments);
    for (const o of step.create) {
      const create =
        o.kind === 'Deployment'
          ? this.apps.createNamespacedDeployment({ namespace, body: o as any })
          : this.core.createNamespacedService({ namespace, body: o as any });
      await create.then(
        () => this.log(`knative: ${o.kind} ${namespace}/${o.metadata.name} created for Service ${service.metadata.name}`),
        (e) => {
          if (!alreadyExists(e)) throw e;
        },
      );
    }
    if (sameJson(service.status ?? {}, step.status)) return;
    const { group, version, plural } = KSERVICE;
    await this.custom
      .replaceNamespacedCustomObjectStatus({ group, version, plural, namespace, name: service.metadata.name, body: { ...service, status: step.status } })
      .catch((e) => {
        if (e?.code !== 409 && e?.statusCode !== 409) throw e;
      });
  }
}
