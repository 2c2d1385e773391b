// When to renew a serving certificate, and the timer that checks. A certificate that expires
// unnoticed makes every webhook fail open (failurePolicy Ignore), silently: renew when a third
// of its lifetime is left (cert-manager's default), checked at start-up and then hourly.
import { X509Certificate } from 'node:crypto';
import type { Logger } from '../log.js';

/** Default time between checks. */
export const RENEWAL_CHECK_MS = 60 * 60 * 1000;

/** True when less than a third of the certificate's lifetime (PEM) is left at `now`, or it is already expired. */
export function needsRenewal(cert: string, now: Date): boolean {
  const x509 = new X509Certificate(cert);
  const from = Date.parse(x509.validFrom);
  const to = Date.parse(x509.validTo);
  return to - now.getTime() < (to - from) / 3;
}

/**
 * Runs `check` now and every `intervalMs` until the returned stop is called. A failed check is
 * logged and tried again at the next tick; the timer never keeps the process alive.
 */
export function startRenewalLoop(check: () => Promise<void> | void, options: { intervalMs?: number; log: Logger }): () => void {
  let running = false;
  const tick = async () => {
    // A slow check (an apiserver call) is not overlapped by the next tick.
    if (running) return;
    running = true;
    try {
      await check();
    } catch (err) {
      options.log.warn({ err: String(err) }, 'serving certificate renewal check failed; keeping the current certificate');
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs ?? RENEWAL_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
