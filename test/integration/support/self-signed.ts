// A throwaway self-signed certificate, made with node-forge (no openssl needed): for 127.0.0.1 by
// default, or for the DNS names given (an extension server registered by its Service's name).
import forge from 'node-forge';

export function selfSignedCertificate(names: { ips?: readonly string[]; dns?: readonly string[] } = { ips: ['127.0.0.1'] }): { key: string; cert: string } {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3_600_000);
  const subject = [{ name: 'commonName', value: names.dns?.[0] ?? names.ips?.[0] ?? 'localhost' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    {
      name: 'subjectAltName',
      altNames: [...(names.ips ?? []).map((ip) => ({ type: 7, ip })), ...(names.dns ?? []).map((value) => ({ type: 2, value }))],
    },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(keys.privateKey), cert: forge.pki.certificateToPem(cert) };
}
