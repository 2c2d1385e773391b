// Which alerts a Canary's `analysis.alerts[]` entry subscribes to, by its severity:
// info gets everything; otherwise the severity must match, and warn also receives error.
// An entry without a severity is an info subscription (the CRD's documented default).
import type { Severity } from './alert.js';

export function subscribes(subscription: Severity | '' | undefined, alert: Severity): boolean {
  const wanted = subscription || 'info';
  if (wanted === 'info') return true;
  if (wanted === alert) return true;
  return wanted === 'warn' && alert === 'error';
}
