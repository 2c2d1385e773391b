// A CA and a serving certificate for the webhook when none is mounted. The apiserver only
// calls webhooks over TLS it can verify: the CA goes into the webhook configurations'
// caBundle, the serving certificate names 127.0.0.1 (loopback registration) and the in-cluster
// Service's DNS names in its SANs, since Go's TLS ignores the common name.
// The CA outlives the serving certificate: a renewed serving certificate is issued by the same
// CA, so the registered caBundle stays valid across renewals (see certificate-rotation.ts).
// Keys and signatures come from Node's crypto (OpenSSL); node-forge only lays out the X.509
// structure, which Node cannot write. Its pure-JS RSA took seconds of CPU at start-up and left
// that work's heap growth behind. Nothing here is hand-rolled crypto.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import forge from 'node-forge';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Default lifetime of a self-made CA. */
export const CA_VALIDITY_DAYS = 3650;
/** Default lifetime of a self-made serving certificate. */
export const LEAF_VALIDITY_DAYS = 365;

export interface ServingCertificate {
  /** PEM of the CA that signed `cert`: the webhook configurations' caBundle. */
  readonly caCert: string;
  /** PEM of the CA's key (PKCS#1 RSA): kept to issue the next serving certificate. */
  readonly caKey: string;
  /** PEM of the serving certificate. */
  readonly cert: string;
  /** PEM of the serving key (PKCS#1 RSA). */
  readonly key: string;
}

export interface CertificateAuthority {
  readonly cert: string;
  readonly key: string;
}

export interface LeafRequest {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** Lifetime of the serving certificate; default 365 days. Wins over validityDays (tests use seconds). */
  readonly validityMs?: number;
  /** Lifetime of the serving certificate in days; default 365. */
  readonly validityDays?: number;
  readonly now?: Date;
  /** Default 2048. */
  readonly keyBits?: number;
}

export interface CertificateRequest extends LeafRequest {
  /** Lifetime of the CA in days; default 3650. */
  readonly caValidityDays?: number;
}

/** The DNS names a Service answers to inside the cluster. */
export function serviceDnsNames(service: { namespace: string; name: string }, clusterDomain = 'cluster.local'): string[] {
  const { name, namespace } = service;
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${clusterDomain}`];
}

const CA_NAME = [
  { name: 'commonName', value: 'sluice-webhook-ca' },
  { name: 'organizationName', value: 'sluice' },
];

/**
 * Backdated so a client whose clock runs a little behind still accepts it: an hour, or a tenth
 * of a short lifetime (a certificate of seconds, in tests, is not mostly in the past).
 */
function validity(now: Date, lifetimeMs: number): { notBefore: Date; notAfter: Date } {
  const backdate = Math.min(60 * 60 * 1000, Math.floor(lifetimeMs / 10));
  return { notBefore: new Date(now.getTime() - backdate), notAfter: new Date(now.getTime() + lifetimeMs) };
}

/** An RSA key pair: the public half as forge reads it, the private half as PKCS#1 PEM. */
function rsaKeyPair(bits: number): { publicKey: forge.pki.rsa.PublicKey; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey, privateKeyPem: privateKey };
}

/** forge has these, its type declarations do not. */
const pki = forge.pki as typeof forge.pki & { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 };
type SignedCertificate = forge.pki.Certificate & { tbsCertificate: forge.asn1.Asn1 };

/** Signs `cert` with SHA-256 and RSA as forge's cert.sign would, the RSA part done by Node. */
function signWith(cert: forge.pki.Certificate, privateKeyPem: string): void {
  cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  const tbs = pki.getTBSCertificate(cert);
  (cert as SignedCertificate).tbsCertificate = tbs;
  cert.signature = sign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), privateKeyPem).toString('binary');
}

export function createCertificateAuthority(options: { now?: Date; validityDays?: number; keyBits?: number } = {}): CertificateAuthority {
  const keys = rsaKeyPair(options.keyBits ?? 2048);
  const ca = forge.pki.createCertificate();
  ca.publicKey = keys.publicKey;
  ca.serialNumber = serialNumber();
  const { notBefore, notAfter } = validity(options.now ?? new Date(), (options.validityDays ?? CA_VALIDITY_DAYS) * DAY_MS);
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  ca.setSubject(CA_NAME);
  ca.setIssuer(CA_NAME);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signWith(ca, keys.privateKeyPem);
  return { cert: forge.pki.certificateToPem(ca), key: keys.privateKeyPem };
}

/** A serving certificate signed by `authority`: what start-up and every renewal issue. */
export function issueServingCertificate(authority: CertificateAuthority, request: LeafRequest): { cert: string; key: string } {
  const ca = forge.pki.certificateFromPem(authority.cert);
  const keys = rsaKeyPair(request.keyBits ?? 2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  const { notBefore, notAfter } = validity(request.now ?? new Date(), request.validityMs ?? (request.validityDays ?? LEAF_VALIDITY_DAYS) * DAY_MS);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: request.dnsNames[0] ?? request.ipAddresses[0] ?? 'sluice-webhook' }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...request.dnsNames.map((value) => ({ type: 2, value })), ...request.ipAddresses.map((ip) => ({ type: 7, ip }))],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signWith(cert, authority.key);
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKeyPem };
}

/** A fresh CA and a serving certificate it signed. */
export function createServingCertificate(request: CertificateRequest): ServingCertificate {
  const authority = createCertificateAuthority({ now: request.now, validityDays: request.caValidityDays, keyBits: request.keyBits });
  const leaf = issueServingCertificate(authority, request);
  return { caCert: authority.cert, caKey: authority.key, cert: leaf.cert, key: leaf.key };
}

/** 16 random bytes as hex, first byte below 0x80: Go rejects negative serial numbers. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}
