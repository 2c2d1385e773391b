// One serving certificate for every replica. Without a mounted certificate each replica would
// make its own CA, and the webhook configurations could only trust the last one registered;
// instead the first replica stores its CA (with its key) and certificate in a Secret and the
// others use it. Renewal issues a new serving certificate from the stored CA, so the registered
// caBundle stays valid, and writes it conditionally on the Secret's resourceVersion: when two
// replicas renew at once, one write wins and the other re-reads it.
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, createServingCertificate, issueServingCertificate, serviceDnsNames, type LeafRequest } from './certificates.js';
import { needsRenewal, startRenewalLoop } from './certificate-rotation.js';
import { RESOURCES, isAlreadyExists, isConflict, type KubeClient, type KubeObject } from '../kube/index.js';
import type { Logger } from '../log.js';

export interface SharedCertificate {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  /** The CA's key; absent in a Secret written before renewal existed. */
  readonly caKey?: string;
}

/** The calls this module makes, so tests can hand in an in-memory store. */
export type SecretClient = Pick<KubeClient, 'getIfExists' | 'get' | 'create' | 'mergePatch'>;

/** Lifetimes for tests; the defaults are certificates.ts's. */
export type SharedCertificateOptions = Pick<LeafRequest, 'validityMs' | 'keyBits'>;

interface TlsSecret extends KubeObject {
  data?: Record<string, string>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

function fromSecret(secret: TlsSecret | undefined): SharedCertificate | undefined {
  const cert = unb64(secret?.data?.['tls.crt']);
  const key = unb64(secret?.data?.['tls.key']);
  const ca = unb64(secret?.data?.['ca.crt']);
  const caKey = unb64(secret?.data?.['ca.key']);
  return cert && key && ca ? { cert, key, ca, ...(caKey ? { caKey } : {}) } : undefined;
}

function secretData(c: SharedCertificate): Record<string, string> {
  return { 'tls.crt': b64(c.cert), 'tls.key': b64(c.key), 'ca.crt': b64(c.ca), ...(c.caKey ? { 'ca.key': b64(c.caKey) } : {}) };
}

const leafRequest = (service: { namespace: string; name: string }, options: SharedCertificateOptions): LeafRequest => ({
  dnsNames: serviceDnsNames(service),
  ipAddresses: ['127.0.0.1'],
  ...options,
});

/** Reads the Secret, or makes the certificate and creates it; a replica that loses the race reads the winner's. */
export async function sharedServingCertificate(
  client: SecretClient,
  service: { namespace: string; name: string },
  secretName = `${service.name}-webhook-tls`,
  options: SharedCertificateOptions = {},
): Promise<SharedCertificate> {
  const existing = fromSecret(await client.getIfExists<TlsSecret>(RESOURCES.secrets, secretName, service.namespace));
  if (existing) return existing;
  const made = createServingCertificate(leafRequest(service, options));
  const shared: SharedCertificate = { cert: made.cert, key: made.key, ca: made.caCert, caKey: made.caKey };
  try {
    await client.create(RESOURCES.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace: service.namespace, labels: { 'app.kubernetes.io/managed-by': 'sluice' } },
      type: 'kubernetes.io/tls',
      data: secretData(shared),
    } as TlsSecret);
    return shared;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const winner = fromSecret(await client.get<TlsSecret>(RESOURCES.secrets, secretName, service.namespace));
    if (!winner) throw new Error(`Secret ${service.namespace}/${secretName} exists but holds no tls.crt, tls.key and ca.crt`, { cause: err });
    return winner;
  }
}

/**
 * The Secret's certificate, renewed first when due: a new serving certificate from the stored
 * CA (a new CA only when the Secret holds no CA key, an old Secret: caBundle must then change).
 * Returns what the Secret holds afterwards, another replica's renewal included.
 */
export async function renewSharedCertificate(
  client: SecretClient,
  service: { namespace: string; name: string },
  secretName = `${service.name}-webhook-tls`,
  options: SharedCertificateOptions & { now?: Date } = {},
): Promise<SharedCertificate> {
  const secret = await client.getIfExists<TlsSecret>(RESOURCES.secrets, secretName, service.namespace);
  const current = fromSecret(secret);
  // Deleted, or emptied by hand: start over as at first start-up.
  if (!secret || !current) return sharedServingCertificate(client, service, secretName, options);
  const now = options.now ?? new Date();
  if (!needsRenewal(current.cert, now)) return current;
  const authority =
    current.caKey && !needsRenewal(current.ca, now) ? { cert: current.ca, key: current.caKey } : createCertificateAuthority({ now, keyBits: options.keyBits });
  const leaf = issueServingCertificate(authority, { ...leafRequest(service, options), now });
  const renewed: SharedCertificate = { cert: leaf.cert, key: leaf.key, ca: authority.cert, caKey: authority.key };
  try {
    // A resourceVersion in a patch is a precondition: 409 when another replica wrote first.
    await client.mergePatch(RESOURCES.secrets, secretName, service.namespace, {
      metadata: { resourceVersion: secret.metadata?.resourceVersion },
      data: secretData(renewed),
    });
    return renewed;
  } catch (err) {
    if (!isConflict(err)) throw err;
    const winner = fromSecret(await client.get<TlsSecret>(RESOURCES.secrets, secretName, service.namespace));
    if (!winner) throw new Error(`Secret ${service.namespace}/${secretName} holds no tls.crt, tls.key and ca.crt`, { cause: err });
    return winner;
  }
}

/**
 * Keeps a running server on the Secret's certificate: renews it when due (at start and every
 * interval) and picks up another replica's renewal. `onCaChange` re-registers the caBundle when
 * the CA itself had to change. Returns the stop.
 */
export function keepSharedCertificateFresh(options: {
  readonly client: SecretClient;
  readonly service: { namespace: string; name: string };
  readonly secretName?: string;
  readonly current: SharedCertificate;
  readonly server: { setCertificate(tls: { cert: string; key: string }): void };
  readonly onCaChange: (caBundle: string) => Promise<void>;
  readonly intervalMs?: number;
  readonly certificate?: SharedCertificateOptions;
  readonly log: Logger;
}): () => void {
  let current = options.current;
  return startRenewalLoop(
    async () => {
      const next = await renewSharedCertificate(options.client, options.service, options.secretName, options.certificate);
      if (next.cert === current.cert) return;
      // The new CA is trusted before the new certificate is served, or reviews would fail between.
      if (next.ca !== current.ca) await options.onCaChange(next.ca);
      options.server.setCertificate(next);
      current = next;
      options.log.info({ validTo: new Date(new X509Certificate(next.cert).validTo).toISOString() }, 'serving certificate renewed');
    },
    { intervalMs: options.intervalMs, log: options.log },
  );
}
