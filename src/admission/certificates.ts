// A CA and a serving certificate for the webhook when none is mounted. The apiserver only
// calls webhooks over TLS it can verify: the CA goes into the webhook configurations'
// caBundle, the serving certificate names 127.0.0.1 (loopback registration) and the in-cluster
// Service's DNS names in its SANs, since Go's TLS ignores the common name.
// Made with node-forge; nothing here is hand-rolled crypto.
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface ServingCertificate {
  /** PEM of the CA that signed `cert`: the webhook configurations' caBundle. */
  readonly caCert: string;
  /** PEM of the serving certificate. */
  readonly cert: string;
  /** PEM of the serving key (PKCS#1 RSA). */
  readonly key: string;
}

export interface CertificateRequest {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** Default 365. The pair is made afresh at every start, so there is nothing to renew. */
  readonly validityDays?: number;
  readonly now?: Date;
  /** Default 2048. */
  readonly keyBits?: number;
}

/** The DNS names a Service answers to inside the cluster. */
export function serviceDnsNames(service: { namespace: string; name: string }, clusterDomain = 'cluster.local'): string[] {
  const { name, namespace } = service;
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${clusterDomain}`];
}

export function createServingCertificate(request: CertificateRequest): ServingCertificate {
  const now = request.now ?? new Date();
  // Backdated an hour so a client whose clock runs a little behind still accepts it.
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + (request.validityDays ?? 365) * 24 * 60 * 60 * 1000);
  const bits = request.keyBits ?? 2048;

  const caKeys = forge.pki.rsa.generateKeyPair({ bits });
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serialNumber();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  const caName = [{ name: 'commonName', value: 'sluice-webhook-ca' }, { name: 'organizationName', value: 'sluice' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const keys = forge.pki.rsa.generateKeyPair({ bits });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: request.dnsNames[0] ?? request.ipAddresses[0] ?? 'sluice-webhook' }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...request.dnsNames.map((value) => ({ type: 2, value })),
        ...request.ipAddresses.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caCert: forge.pki.certificateToPem(ca),
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/** 16 random bytes as hex, first byte below 0x80: Go rejects negative serial numbers. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}
