// POSTs a webhook and reads Flagger's rule: a status code up to 202 is success, anything else
// (or no answer) is a failure whose message is the response body. Retries on network errors
// and 5xx/429 with exponential backoff, like go-retryablehttp.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HookCall {
  url: string;
  body: unknown;
  timeoutMs: number;
  retries: number;
  disableTLS: boolean;
}

export type HookOutcome =
  | { ok: true; status: number; body: string }
  | { ok: false; status?: number; error: string };

const MAX_BODY = 64 * 1024;

function postOnce(call: HookCall): Promise<HookOutcome> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(call.url);
    } catch {
      resolve({ ok: false, error: `invalid URL ${JSON.stringify(call.url)}` });
      return;
    }
    const data = JSON.stringify(call.body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        timeout: call.timeoutMs,
        ...(url.protocol === 'https:' && call.disableTLS ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY) body += chunk;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status <= 202) resolve({ ok: true, status, body });
          else resolve({ ok: false, status, error: body.trim() || `status ${status}` });
        });
        res.on('error', (err) => resolve({ ok: false, status: res.statusCode, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${call.timeoutMs}ms`)));
    req.on('error', (err) => resolve({ ok: false, error: err.message }));
    req.end(data);
  });
}

const retriable = (o: HookOutcome) => !o.ok && (o.status === undefined || o.status >= 500 || o.status === 429);

export async function callHook(call: HookCall, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<HookOutcome> {
  let outcome = await postOnce(call);
  for (let attempt = 0; attempt < call.retries && retriable(outcome); attempt++) {
    await sleep(Math.min(250 * 2 ** attempt, 5_000));
    outcome = await postOnce(call);
  }
  return outcome;
}
