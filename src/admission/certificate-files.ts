// A mounted certificate (a Secret volume that cert-manager or a person rotates) is re-read when
// its files change, as controller-runtime's certwatcher does. Polled by stat (fs.watchFile):
// the kubelet swaps a Secret volume by symlink, which inotify on the file itself misses.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../log.js';

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Both files, refused unless the key belongs to the certificate (a half-written rotation). */
export function readCertificateFiles(files: CertificateFiles): { cert: string; key: string } {
  const cert = readFileSync(files.certFile, 'utf8');
  const key = readFileSync(files.keyFile, 'utf8');
  if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
    throw new Error(`${files.keyFile} is not the key of ${files.certFile}`);
  }
  return { cert, key };
}

/**
 * Calls `apply` with the new pair whenever either file changes; a pair that cannot be read or
 * does not match is logged and skipped (the next change tries again). Returns the stop.
 */
export function watchCertificateFiles(
  files: CertificateFiles,
  apply: (tls: { cert: string; key: string }) => void,
  options: { intervalMs?: number; log: Logger },
): () => void {
  let last = '';
  const reload = () => {
    try {
      const pair = readCertificateFiles(files);
      // Both files change for one rotation: apply the pair once.
      if (pair.cert + pair.key === last) return;
      apply(pair);
      last = pair.cert + pair.key;
    } catch (err) {
      options.log.warn({ err: String(err) }, 'could not reload the serving certificate; keeping the current one');
    }
  };
  try {
    const pair = readCertificateFiles(files);
    last = pair.cert + pair.key;
  } catch {
    /* the first change applies */
  }
  const watched = [files.certFile, files.keyFile];
  // persistent: false, so the watch alone does not keep the process running.
  for (const file of watched) watchFile(file, { interval: options.intervalMs ?? 10_000, persistent: false }, reload);
  return () => {
    for (const file of watched) unwatchFile(file, reload);
  };
}
