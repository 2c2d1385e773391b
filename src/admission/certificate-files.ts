// A mounted certificate (a Secret volume that cert-manager or a person rotates) is re-read when
// its files change, as controller-runtime's certwatcher does. Polled by stat (fs.watchFile):
// the kubelet swaps a Secret volume by symlink, which inotify on the file itself misses.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../log.js';

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /**
   * The CA that signed the certificate (cert-manager's `ca.crt`), for the webhooks' caBundle;
   * without it the certificate itself is the caBundle, which a renewal then invalidates.
   */
  readonly caFile?: string;
}

export interface MountedCertificate {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
}

/** The files, refused unless the key belongs to the certificate (a half-written rotation). */
export function readCertificateFiles(files: CertificateFiles): MountedCertificate {
  const cert = readFileSync(files.certFile, 'utf8');
  const key = readFileSync(files.keyFile, 'utf8');
  if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    throw new Error(`${files.keyFile} is not the key of ${files.certFile}`);
  }
  return files.caFile ? { cert, key, ca: readFileSync(files.caFile, 'utf8') } : { cert, key };
}

const fingerprint = (c: MountedCertificate) => c.cert + c.key + (c.ca ?? '');

/**
 * Calls `apply` with the new pair whenever either file changes; a pair that cannot be read or
 * does not match is logged and skipped (the next change tries again). Returns the stop.
 */
export function watchCertificateFiles(
  files: CertificateFiles,
  apply: (tls: MountedCertificate) => void,
  options: { intervalMs?: number; log: Logger },
): () => void {
  let last = '';
  const reload = () => {
    try {
      const pair = readCertificateFiles(files);
      // The files change together for one rotation: apply them once.
      if (fingerprint(pair) === last) return;
      apply(pair);
      last = fingerprint(pair);
    } catch (err) {
      options.log.warn({ err: String(err) }, 'could not reload the serving certificate; keeping the current one');
    }
  };
  try {
    last = fingerprint(readCertificateFiles(files));
  } catch {
    /* the first change applies */
  }
  const watched = [files.certFile, files.keyFile, ...(files.caFile ? [files.caFile] : [])];
  // persistent: false, so the watch alone does not keep the process running.
  for (const file of watched) watchFile(file, { interval: options.intervalMs ?? 10_000, persistent: false }, reload);
  return () => {
    for (const file of watched) unwatchFile(file, reload);
  };
}

/**
 * What a rotation of mounted files does: the server serves the new certificate and, when the CA
 * changed too (cert-manager renews both), the webhooks are first registered with the new CA so
 * that the apiserver trusts what is served next.
 */
export function followMountedCertificate(
  server: { setCertificate(tls: { cert: string; key: string }): void },
  initialCa: string | undefined,
  registerCa: (ca: string) => Promise<void>,
  log: Logger,
): (next: MountedCertificate) => void {
  let ca = initialCa;
  return (next) => {
    if (!next.ca || next.ca === ca) return server.setCertificate(next);
    ca = next.ca;
    registerCa(next.ca)
      .then(
        () => log.info("webhooks registered with the mounted certificate's new CA"),
        (err: unknown) => log.error({ err }, 'could not register the webhooks with the new CA; serving the new certificate anyway'),
      )
      .finally(() => server.setCertificate(next));
  };
}
