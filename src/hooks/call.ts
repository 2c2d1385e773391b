// POSTs a webhook and reads Flagger's rule: a status code up to 202 is success, anything else
// (or no answer) is a failure whose message is the response body. Retries on network errors
// and 5xx/429 with exponential backoff, like go-retryablehttp. Each attempt has a deadline over
// the whole exchange and a cap on the answer, and never throws: a URL it cannot call fails the check.
import { capMessage } from '../api/message.js';
import { CANARY_LIMITS, MAX_WEBHOOK_TIMEOUT_MS } from '../api/limits.js';
import { boundedRequest, ExchangeError } from '../io/bounded-request.js';

export interface HookCall {
  url: string;
  body: unknown;
  /** The Canary's `timeout`: the deadline of one attempt, held to MAX_WEBHOOK_TIMEOUT_MS. */
  timeoutMs: number;
  retries: number;
  disableTLS: boolean;
  /** @default DEFAULT_HOOK_RESPONSE_BYTES */
  maxResponseBytes?: number;
}

export type HookOutcome = { ok: true; status: number; body: string } | { ok: false; status?: number; error: string };

/** A load tester's command output fits; anything bigger is not a webhook answer. */
export const DEFAULT_HOOK_RESPONSE_BYTES = 1024 * 1024;

type Attempt = HookOutcome & { readonly callable?: false };

async function postOnce(call: HookCall): Promise<Attempt> {
  try {
    const res = await boundedRequest({
      url: call.url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(call.body),
      deadlineMs: Math.min(call.timeoutMs, MAX_WEBHOOK_TIMEOUT_MS),
      maxResponseBytes: call.maxResponseBytes ?? DEFAULT_HOOK_RESPONSE_BYTES,
      insecureSkipVerify: call.disableTLS,
    });
    const body = res.body.toString('utf8');
    if (res.status >= 200 && res.status <= 202) return { ok: true, status: res.status, body };
    return { ok: false, status: res.status, error: capMessage(body.trim() || `status ${res.status}`) };
  } catch (err) {
    const error = capMessage(err instanceof Error ? err.message : String(err));
    if (!(err instanceof ExchangeError)) return { ok: false, error };
    // A URL that cannot be called now cannot be called on the next attempt either.
    if (err.failure === 'invalid-url') return { ok: false, error, callable: false };
    return err.status === undefined ? { ok: false, error } : { ok: false, status: err.status, error };
  }
}

const retriable = (o: Attempt) => !o.ok && o.callable !== false && (o.status === undefined || o.status >= 500 || o.status === 429);

export async function callHook(call: HookCall, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<HookOutcome> {
  let attempt = await postOnce(call);
  // Held to validation's bounds also for Canaries admitted before them.
  const retries = Math.min(call.retries, CANARY_LIMITS.webhookRetries);
  for (let n = 0; n < retries && retriable(attempt); n++) {
    await sleep(Math.min(250 * 2 ** n, 5_000));
    attempt = await postOnce(call);
  }
  const { callable: _, ...outcome } = attempt;
  return outcome as HookOutcome;
}
