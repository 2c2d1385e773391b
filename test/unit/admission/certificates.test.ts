import { expect } from 'chai';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createServingCertificate, serviceDnsNames } from '../../../src/admission/certificates.js';

describe('createServingCertificate', function () {
  this.timeout(20_000);
  const now = new Date('2026-11-21T23:00:00Z');
  const made = createServingCertificate({
    dnsNames: ['localhost', ...serviceDnsNames({ namespace: 'sluice-system', name: 'sluice' })],
    ipAddresses: ['127.0.0.1'],
    now,
  });
  const ca = new X509Certificate(made.caCert);
  const cert = new X509Certificate(made.cert);

  it('makes a CA that signed the serving certificate', () => {
    expect(ca.ca).to.equal(true);
    expect(cert.ca).to.equal(false);
    expect(cert.checkIssued(ca)).to.equal(true);
    expect(cert.verify(ca.publicKey)).to.equal(true);
  });

  it('names 127.0.0.1 and the Service DNS names in the SANs (Go ignores the CN)', () => {
    expect(cert.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    for (const host of ['localhost', 'sluice', 'sluice.sluice-system', 'sluice.sluice-system.svc', 'sluice.sluice-system.svc.cluster.local']) {
      expect(cert.checkHost(host), host).to.equal(host);
    }
    expect(cert.checkHost('evil.example.com')).to.equal(undefined);
    expect(cert.subjectAltName).to.include('IP Address:127.0.0.1');
  });

  it('is for serving only, backdated an hour and valid a year', () => {
    expect(cert.keyUsage).to.include('1.3.6.1.5.5.7.3.1');
    expect(new Date(cert.validFrom).getTime()).to.equal(now.getTime() - 3600_000);
    expect(new Date(cert.validTo).getTime()).to.equal(now.getTime() + 365 * 86400_000);
  });

  it('has positive serial numbers (Go refuses negative ones) and a matching RSA key', () => {
    for (const c of [ca, cert]) expect(parseInt(c.serialNumber.slice(0, 2), 16)).to.be.lessThan(0x80);
    const key = createPrivateKey(made.key);
    expect(key.asymmetricKeyType).to.equal('rsa');
    expect(cert.checkPrivateKey(key)).to.equal(true);
  });
});
