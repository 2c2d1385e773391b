// An independent SigV4 verifier for the tests' fake AWS endpoints: it rebuilds the canonical
// request from what the server received and recomputes the signature with the secret key.
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A request as the fake server received it. */
export interface SignedRequest {
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The path and query exactly as sent. */
  rawPath: string;
}

/**
 * SigV4 checked from the request as the server received it: the Authorization header's scope and
 * signed header list, the canonical request rebuilt from the raw path, query and received header
 * values, and the signature recomputed with the secret key. Undefined when it matches.
 */
export function sigV4Problem(s: SignedRequest, secretKey: string, region: string, service: string): string | undefined {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    String(s.headers.authorization ?? ''),
  );
  if (!auth) return 'malformed Authorization';
  const [, , day, r, svc, signedList, signature] = auth;
  if (r !== region || svc !== service) return 'wrong scope';
  const amzDate = String(s.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(day)) return 'x-amz-date does not match the scope';
  const signed = signedList.split(';');
  for (const must of ['host', 'x-amz-date', 'content-type', 'x-amz-target']) if (!signed.includes(must)) return `${must} not signed`;
  const [rawPath, rawQuery = ''] = s.rawPath.split('?');
  const canonicalQuery = rawQuery.split('&').filter(Boolean).sort().join('&');
  const canonicalHeaders = signed.map((h) => `${h}:${String(s.headers[h]).trim()}\n`).join('');
  const hash = (x: string) => createHash('sha256').update(x).digest('hex');
  const canonical = `${s.method}\n${rawPath}\n${canonicalQuery}\n${canonicalHeaders}\n${signedList}\n${hash(s.body)}`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${day}/${region}/${service}/aws4_request\n${hash(canonical)}`;
  let key: Buffer = createHmac('sha256', `AWS4${secretKey}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex') === signature ? undefined : 'signature does not match';
}
