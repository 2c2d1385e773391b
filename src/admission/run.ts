// The admission webhooks as a running part of Sluice: the HTTPS server, a Canary cache to answer
// from, and the webhook configurations pointing at it. Outside a cluster they point at the
// loopback URL and are removed again on close; inside, at the Service, and left in place (the
// next replica or restart serves them; failurePolicy Ignore covers the gap).
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../kube/client.js';
import { startInformer, type WatchedCache } from '../kube/informer.js';
import { RESOURCES, type KubeObject } from '../kube/resources.js';
import { logger } from '../log.js';
import { canaryLookupFromCache, type CanaryLookup } from './canary-lookup.js';
import { registerWebhooks, unregisterWebhooks, type RegistrationOptions } from './registration.js';
import { selfSubjectUsername } from './self-subject.js';
import { startAdmissionServer, type AdmissionServer, type AdmissionServerOptions } from './server.js';

/** How long to wait for the first list of Canaries before serving anyway. */
export const SYNC_WAIT_MS = 15_000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export type Registration =
  /** Point the webhooks at https://127.0.0.1:<port>, remove them on close. */
  | 'loopback'
  /** Point the webhooks at this Service (in-cluster). */
  | { readonly service: { readonly namespace: string; readonly name: string; readonly port?: number } }
  /** Leave the webhook configurations alone (installed by manifests). */
  | 'none';

export interface AdmissionRuntimeOptions extends Omit<AdmissionServerOptions, 'canaries' | 'operatorUsername'> {
  readonly kubeConfig: KubeConfig;
  /**
   * Whose writes (with field manager sluice) pass the owned-object guard and the hold at zero;
   * default this process's own username (a SelfSubjectReview), right when the operator runs
   * with the same credentials.
   */
  readonly operatorUsername?: string;
  /** Where to find Canaries; default a watch-backed cache of every Canary. */
  readonly canaries?: CanaryLookup;
  readonly registration: Registration;
  readonly registrationOptions?: RegistrationOptions;
}

export interface AdmissionRuntime {
  readonly server: AdmissionServer;
  close(): Promise<void>;
}

export async function runAdmission(options: AdmissionRuntimeOptions): Promise<AdmissionRuntime> {
  const log = options.log ?? logger('admission');
  const operatorUsername = options.operatorUsername ?? (await selfSubjectUsername(options.kubeConfig));
  log.info({ operatorUsername }, `writes by ${operatorUsername} with field manager sluice count as the operator's`);
  let cache: WatchedCache<KubeObject> | undefined;
  let canaries = options.canaries;
  if (!canaries) {
    cache = startInformer(new KubeClient(options.kubeConfig), RESOURCES.canaries, { log });
    // Serve even when Canaries cannot be listed yet (CRD missing, RBAC): until the cache fills,
    // no Deployment is recognised as a target, which is the same as the webhook being down.
    const synced = await Promise.race([cache.synced.then(() => true), delay(SYNC_WAIT_MS).then(() => false)]);
    if (!synced) log.warn({ waitedMs: SYNC_WAIT_MS }, 'serving before the Canary cache is synced: no Deployment counts as a target until it is');
    canaries = canaryLookupFromCache(cache);
  }
  const server = await startAdmissionServer({ ...options, canaries, operatorUsername });
  const { registration } = options;
  const registrationOptions = { ownedObjectGuard: options.ownedObjectGuard, ...options.registrationOptions };
  try {
    if (registration === 'loopback') {
      await registerWebhooks(options.kubeConfig, { url: `https://127.0.0.1:${server.port}` }, server.caBundle, registrationOptions);
    } else if (registration !== 'none') {
      await registerWebhooks(options.kubeConfig, registration, server.caBundle, registrationOptions);
    }
  } catch (err) {
    await server.close();
    await cache?.stop();
    throw err;
  }
  if (registration !== 'none') log.info({ registration }, 'admission webhooks registered');

  return {
    server,
    async close() {
      if (registration === 'loopback') {
        await unregisterWebhooks(options.kubeConfig, registrationOptions.name).catch((err: unknown) =>
          log.warn({ err: String(err) }, 'could not remove the webhook configurations; failurePolicy Ignore keeps them harmless'),
        );
      }
      await server.close();
      await cache?.stop();
    },
  };
}
