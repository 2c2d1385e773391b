// How a metrics backend's connection failed, in words: shared by every backend's error messages.

/** Node's codes for a certificate it does not trust. */
export const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A Node network error code as a reason people read, the code kept beside it. */
export function networkReason(code: string | undefined, detail: string): string {
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ECONNRESET: 'connection reset',
  };
  const reason = (code && reasons[code]) || detail || 'network error';
  return code ? `${reason} (${code})` : reason;
}
