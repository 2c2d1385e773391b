// One serving certificate for every replica. Without a mounted certificate each replica would
// make its own CA, and the webhook configurations could only trust the last one registered;
// instead the first replica stores its CA and certificate in a Secret and the others use it.
import { createServingCertificate, serviceDnsNames } from './certificates.js';
import { RESOURCES, isAlreadyExists, type KubeClient, type KubeObject } from '../kube/index.js';

export interface SharedCertificate {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

interface TlsSecret extends KubeObject {
  data?: Record<string, string>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

function fromSecret(secret: TlsSecret | undefined): SharedCertificate | undefined {
  const cert = unb64(secret?.data?.['tls.crt']);
  const key = unb64(secret?.data?.['tls.key']);
  const ca = unb64(secret?.data?.['ca.crt']);
  return cert && key && ca ? { cert, key, ca } : undefined;
}

/** Reads the Secret, or makes the certificate and creates it; a replica that loses the race reads the winner's. */
export async function sharedServingCertificate(
  client: KubeClient,
  service: { namespace: string; name: string },
  secretName = `${service.name}-webhook-tls`,
): Promise<SharedCertificate> {
  const existing = fromSecret(await client.getIfExists<TlsSecret>(RESOURCES.secrets, secretName, service.namespace));
  if (existing) return existing;
  const made = createServingCertificate({ dnsNames: serviceDnsNames(service), ipAddresses: ['127.0.0.1'] });
  try {
    await client.create(RESOURCES.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace: service.namespace, labels: { 'app.kubernetes.io/managed-by': 'sluice' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(made.cert), 'tls.key': b64(made.key), 'ca.crt': b64(made.caCert) },
    } as TlsSecret);
    return { cert: made.cert, key: made.key, ca: made.caCert };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const winner = fromSecret(await client.get<TlsSecret>(RESOURCES.secrets, secretName, service.namespace));
    if (!winner) throw new Error(`Secret ${service.namespace}/${secretName} exists but holds no tls.crt, tls.key and ca.crt`);
    return winner;
  }
}
