// The request-body bytes the admission server holds at once, across every connection. The body
// limit bounds one request; without this, N connections each sending a body just under it hold N
// times the limit (50 of 4 MiB took the server from 100 to 385 MB) and the operator sharing the
// process is OOM-killed. A body reserves its declared length (a chunked one, the whole limit)
// before a byte is read, until its answer is sent; one that does not fit is refused with 429.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { refusal } from './refusals.js';

/**
 * A body this small always fits, whatever is reserved: the apiserver declares every review's
 * length, and reviews are a few KiB, so they keep passing while large bodies are the ones
 * refused. The connection limit bounds what these add.
 */
export const SMALL_BODY_BYTES = 64 * 1024;

export class BodyBudget {
  private held = 0;
  private highest = 0;

  constructor(readonly limitBytes: number) {}

  /** Reserves `bytes`; false, and nothing reserved, when a large body does not fit. */
  take(bytes: number): boolean {
    if (bytes > SMALL_BODY_BYTES && this.held + bytes > this.limitBytes) return false;
    this.held += bytes;
    this.highest = Math.max(this.highest, this.held);
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  get heldBytes(): number {
    return this.held;
  }
  /** The most ever reserved at once. */
  get peakBytes(): number {
    return this.highest;
  }
}

/**
 * Reserves what `req`'s body may bring, given back when the answer has been sent; the 429 error
 * to refuse it with when that does not fit. A body declared over `bodyLimit` reserves nothing:
 * the parser refuses it (413) without keeping any of it.
 */
export function reserveBody(budget: BodyBudget, bodyLimit: number, req: IncomingMessage, res: ServerResponse): Error | undefined {
  const declared = req.headers['content-length'];
  const bytes = declared !== undefined ? Number(declared) : req.headers['transfer-encoding'] !== undefined ? bodyLimit : 0;
  if (!(bytes <= bodyLimit)) return undefined;
  if (!budget.take(bytes)) {
    return refusal(429, 'body.budget', `admission server busy: request bodies already hold the ${budget.limitBytes}-byte budget; retry`);
  }
  res.once('close', () => budget.give(bytes));
  return undefined;
}
