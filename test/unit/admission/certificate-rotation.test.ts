import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { pino } from 'pino';
import { canaryLookupFromList } from '../../../src/admission/canary-lookup.js';
import { needsRenewal } from '../../../src/admission/certificate-rotation.js';
import { followMountedCertificate, readCertificateFiles, watchCertificateFiles } from '../../../src/admission/certificate-files.js';
import { createCertificateAuthority, createServingCertificate, issueServingCertificate } from '../../../src/admission/certificates.js';
import { keepSharedCertificateFresh, renewSharedCertificate, sharedServingCertificate, type SecretClient } from '../../../src/admission/shared-certificate.js';
import { startAdmissionServer } from '../../../src/admission/server.js';
import { KubeError } from '../../../src/kube/errors.js';

const log = pino({ level: 'silent' });
const OPERATOR = 'system:serviceaccount:sluice-system:sluice';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The certificate a TLS client trusting only `ca` is served on 127.0.0.1:port (a fresh connection). */
function servedCertificate(port: number, ca: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, rejectUnauthorized: true }, () => {
      const peer = socket.getPeerCertificate();
      socket.end();
      resolve(peer);
    });
    socket.on('error', reject);
  });
}

// 25 s: a rotation is seen within a poll of 100 ms, but the suite also runs on 2 cores beside
// a control plane and builds, where one wait of 8 s ran out (2026-11-28, load average about 15).
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 25_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('needsRenewal', () => {
  const ca = createCertificateAuthority({ keyBits: 1024 });
  const issued = new Date('2026-01-01T00:00:00Z');
  // 300 s lifetime, backdated 30 s: valid from -30 s to +300 s, 330 s in all, renew below 110 s left.
  const leaf = issueServingCertificate(ca, { dnsNames: ['x'], ipAddresses: [], validityMs: 300_000, now: issued, keyBits: 1024 });
  const at = (s: number) => new Date(issued.getTime() + s * 1000);

  it('is false while more than a third of the lifetime is left', () => {
    expect(needsRenewal(leaf.cert, at(0))).to.equal(false);
    expect(needsRenewal(leaf.cert, at(190))).to.equal(false);
  });
  it('is true from a third left on, and after expiry', () => {
    expect(needsRenewal(leaf.cert, at(191))).to.equal(true);
    expect(needsRenewal(leaf.cert, at(300))).to.equal(true);
    expect(needsRenewal(leaf.cert, at(10_000))).to.equal(true);
  });
  it('makes a year-long leaf due after about eight months, the CA not for years', () => {
    const made = createServingCertificate({ dnsNames: ['x'], ipAddresses: [], now: issued, keyBits: 1024 });
    expect(needsRenewal(made.cert, new Date('2026-08-01T00:00:00Z'))).to.equal(false);
    expect(needsRenewal(made.cert, new Date('2026-09-15T00:00:00Z'))).to.equal(true);
    expect(needsRenewal(made.caCert, new Date('2030-01-01T00:00:00Z'))).to.equal(false);
    expect(new X509Certificate(made.cert).checkIssued(new X509Certificate(made.caCert))).to.equal(true);
  });
});

describe('self-made certificate renewal in the admission server', function () {
  this.timeout(60_000);

  it('renews a short-lived leaf from the same CA without a restart; a client trusting only the CA sees it', async () => {
    const server = await startAdmissionServer({
      operatorUsername: OPERATOR,
      port: 0,
      canaries: canaryLookupFromList([]),
      log,
      selfMade: { leafValidityMs: 3000, checkIntervalMs: 200, keyBits: 1024 },
    });
    try {
      const ca = new X509Certificate(server.caBundle);
      expect(ca.ca).to.equal(true);
      const first = await servedCertificate(server.port, server.caBundle);
      const second = await until('a renewed certificate', async () => {
        const peer = await servedCertificate(server.port, server.caBundle);
        return peer.serialNumber !== first.serialNumber ? peer : undefined;
      });
      expect(Date.parse(second.valid_to)).to.be.greaterThan(Date.parse(first.valid_to));
      // Past the first leaf's expiry the server still answers with a valid certificate.
      await sleep(Math.max(0, Date.parse(first.valid_to) + 1000 - Date.now()));
      const later = await servedCertificate(server.port, server.caBundle);
      expect(Date.parse(later.valid_to)).to.be.greaterThan(Date.now());
      expect(new X509Certificate(server.caBundle).fingerprint256).to.equal(ca.fingerprint256);
      expect(new X509Certificate(second.raw).checkIssued(ca)).to.equal(true);
    } finally {
      await server.close();
    }
  });
});

/** An in-memory Secret store with the apiserver's resourceVersion precondition on patches. */
function memorySecrets(): SecretClient & { objects: Map<string, any>; patches: number } {
  const objects = new Map<string, any>();
  let version = 1;
  const key = (name: string, ns?: string) => `${ns}/${name}`;
  const store = {
    objects,
    patches: 0,
    async getIfExists(_t: unknown, name: string, ns?: string) {
      return structuredClone(objects.get(key(name, ns)));
    },
    async get(_t: unknown, name: string, ns?: string) {
      const o = objects.get(key(name, ns));
      if (!o) throw new KubeError(404, 'NotFound', 'not found', 'GET');
      return structuredClone(o);
    },
    async create(_t: unknown, object: any) {
      const k = key(object.metadata.name, object.metadata.namespace);
      if (objects.has(k)) throw new KubeError(409, 'AlreadyExists', 'exists', 'POST');
      objects.set(k, { ...structuredClone(object), metadata: { ...object.metadata, resourceVersion: String(version++) } });
      return objects.get(k);
    },
    async mergePatch(_t: unknown, name: string, ns: string | undefined, patch: any) {
      const o = objects.get(key(name, ns));
      if (!o) throw new KubeError(404, 'NotFound', 'not found', 'PATCH');
      if (patch.metadata?.resourceVersion && patch.metadata.resourceVersion !== o.metadata.resourceVersion) {
        throw new KubeError(409, 'Conflict', 'the object has been modified', 'PATCH');
      }
      store.patches++;
      o.data = { ...o.data, ...patch.data };
      o.metadata.resourceVersion = String(version++);
      return structuredClone(o);
    },
  };
  return store as unknown as SecretClient & { objects: Map<string, any>; patches: number };
}

describe('shared Secret renewal', function () {
  this.timeout(60_000);
  const service = { namespace: 'sluice-system', name: 'sluice' };
  const short = { validityMs: 3000, keyBits: 1024 };

  it('two replicas starting at once share one CA and certificate', async () => {
    const secrets = memorySecrets();
    const [a, b] = await Promise.all([
      sharedServingCertificate(secrets, service, undefined, short),
      sharedServingCertificate(secrets, service, undefined, short),
    ]);
    expect(a).to.deep.equal(b);
    expect(a.caKey).to.be.a('string');
  });

  it('renews the serving certificate from the stored CA; two replicas renewing at once write once', async () => {
    const secrets = memorySecrets();
    const first = await sharedServingCertificate(secrets, service, undefined, short);
    expect(await renewSharedCertificate(secrets, service, undefined, short)).to.deep.equal(first);
    expect(secrets.patches).to.equal(0);
    const later = new Date(Date.now() + 2500);
    const [a, b] = await Promise.all([
      renewSharedCertificate(secrets, service, undefined, { ...short, now: later }),
      renewSharedCertificate(secrets, service, undefined, { ...short, now: later }),
    ]);
    expect(secrets.patches).to.equal(1);
    expect(a).to.deep.equal(b);
    expect(a.cert).to.not.equal(first.cert);
    expect(a.ca).to.equal(first.ca);
    expect(new X509Certificate(a.cert).checkIssued(new X509Certificate(first.ca))).to.equal(true);
    expect(await sharedServingCertificate(secrets, service)).to.deep.equal(a);
  });

  it('a Secret without a CA key (older Sluice) gets a new CA, which is re-registered before it is served', async () => {
    const secrets = memorySecrets();
    const first = await sharedServingCertificate(secrets, service, undefined, short);
    delete secrets.objects.get('sluice-system/sluice-webhook-tls').data['ca.key'];
    const events: string[] = [];
    const stop = keepSharedCertificateFresh({
      client: secrets,
      service,
      current: first,
      certificate: short,
      intervalMs: 200,
      log,
      server: {
        setCertificate: () => {
          events.push('served');
        },
      },
      onCaChange: async (ca) => {
        events.push(ca === first.ca ? 'same CA' : 'new CA');
      },
    });
    try {
      await until('a renewal', async () => (events.length >= 2 ? true : undefined));
      expect(events.slice(0, 2)).to.deep.equal(['new CA', 'served']);
    } finally {
      stop();
    }
  });
});

describe('mounted certificate files', function () {
  this.timeout(60_000);

  it('are re-read when they change, and the server serves the new certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-certs-'));
    const first = createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyBits: 1024 });
    const second = issueServingCertificate({ cert: first.caCert, key: first.caKey }, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyBits: 1024 });
    const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
    writeFileSync(files.certFile, first.cert);
    writeFileSync(files.keyFile, first.key);
    const server = await startAdmissionServer({
      operatorUsername: OPERATOR,
      port: 0,
      canaries: canaryLookupFromList([]),
      tls: { cert: first.cert, key: first.key, ca: first.caCert },
      log,
    });
    const stop = watchCertificateFiles(files, (tls) => server.setCertificate(tls), { intervalMs: 100, log });
    try {
      const before = await servedCertificate(server.port, first.caCert);
      expect(before.serialNumber).to.equal(new X509Certificate(first.cert).serialNumber);
      // As the kubelet does: new files swapped in whole.
      writeFileSync(`${files.keyFile}.new`, second.key);
      writeFileSync(`${files.certFile}.new`, second.cert);
      renameSync(`${files.keyFile}.new`, files.keyFile);
      renameSync(`${files.certFile}.new`, files.certFile);
      const wanted = new X509Certificate(second.cert).serialNumber;
      await until('the new certificate served', async () => ((await servedCertificate(server.port, first.caCert)).serialNumber === wanted ? true : undefined));
    } finally {
      stop();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with a CA file (cert-manager's ca.crt): a renewed CA is registered before its certificate is served", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-certs-'));
    const first = createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyBits: 1024 });
    const second = createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyBits: 1024 });
    // As the kubelet mounts a Secret: each file is a link through `..data`, which a rotation swaps
    // in one rename, so the three files change together.
    const version = (name: string, pair: typeof first) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'tls.crt'), pair.cert);
      writeFileSync(join(dir, name, 'tls.key'), pair.key);
      writeFileSync(join(dir, name, 'ca.crt'), pair.caCert);
      symlinkSync(name, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    version('..v1', first);
    for (const f of ['tls.crt', 'tls.key', 'ca.crt']) symlinkSync(join('..data', f), join(dir, f));
    const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
    const initial = readCertificateFiles(files);
    expect(initial.ca, 'the caBundle is the CA, not the leaf').to.equal(first.caCert);
    const steps: string[] = [];
    const server = { setCertificate: (tls: { cert: string }) => steps.push(`serve ${new X509Certificate(tls.cert).serialNumber}`) };
    const registerCa = async (ca: string) => {
      await sleep(50);
      steps.push(`register ${new X509Certificate(ca).serialNumber}`);
    };
    const stop = watchCertificateFiles(files, followMountedCertificate(server, initial.ca, registerCa, log), { intervalMs: 100, log });
    try {
      version('..v2', second);
      const served = `serve ${new X509Certificate(second.cert).serialNumber}`;
      await until('the new certificate served', async () => (steps.includes(served) ? true : undefined));
      expect(steps, 'the new CA registered first, then the certificate it signed served').to.deep.equal([
        `register ${new X509Certificate(second.caCert).serialNumber}`,
        served,
      ]);
    } finally {
      stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
