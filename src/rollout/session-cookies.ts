// Session affinity (`analysis.sessionAffinity`), as Flagger keeps it in the status: while the
// canary takes traffic, a response from it sets a cookie `<cookieName>=<random>` and a request
// carrying that cookie goes to the canary, so a user once sent there stays there. With
// `primaryCookieName`, the primary's responses set a cookie of their own that pins users to the
// primary in the same way. When traffic is back at 0 the canary's cookie becomes the previous
// one, which the routers tell browsers to drop. The routers read these fields (istio.ts,
// gatewayapi.ts); this decides them, pure: the random part comes from a seed.
import { createHash } from 'node:crypto';
import type { SessionAffinity, CanaryStatus } from '../api/types.js';

export type SessionCookies = Pick<CanaryStatus, 'sessionAffinityCookie' | 'previousSessionAffinityCookie' | 'primarySessionAffinityCookie'>;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Ten letters derived from `seed` (Flagger draws ten random letters). */
export function cookieValue(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return Array.from(digest.subarray(0, 10), (byte) => LETTERS[byte % LETTERS.length]).join('');
}

/**
 * The cookie fields of the status once traffic is at `canaryWeight`. `seed` must differ between
 * rollouts (the Canary's uid and the time do), so each rollout hands out fresh cookies.
 */
export function sessionCookiesAt(affinity: SessionAffinity, status: CanaryStatus, canaryWeight: number, seed: string): SessionCookies {
  const previous = status.previousSessionAffinityCookie ? { previousSessionAffinityCookie: status.previousSessionAffinityCookie } : {};
  if (canaryWeight > 0) {
    const primary = affinity.primaryCookieName
      ? { primarySessionAffinityCookie: status.primarySessionAffinityCookie || `${affinity.primaryCookieName}=${cookieValue(`${seed}/primary`)}` }
      : {};
    return {
      sessionAffinityCookie: status.sessionAffinityCookie || `${affinity.cookieName}=${cookieValue(`${seed}/canary`)}`,
      ...previous,
      ...primary,
    };
  }
  // Back at the primary: the canary's cookie belongs to a finished run.
  const ended = status.sessionAffinityCookie || status.previousSessionAffinityCookie;
  return ended ? { previousSessionAffinityCookie: ended } : {};
}

/** `status` with its cookie fields replaced by `cookies` (absent ones removed). */
export function withSessionCookies(status: CanaryStatus | undefined, cookies: SessionCookies): CanaryStatus {
  const { sessionAffinityCookie: _cookie, previousSessionAffinityCookie: _previous, primarySessionAffinityCookie: _primary, ...rest } = status ?? {};
  return { ...rest, ...cookies };
}

/** The cookie fields of `status`. */
export function sessionCookiesOf(status: CanaryStatus | undefined): SessionCookies {
  const out: { -readonly [K in keyof SessionCookies]: SessionCookies[K] } = {};
  if (status?.sessionAffinityCookie) out.sessionAffinityCookie = status.sessionAffinityCookie;
  if (status?.previousSessionAffinityCookie) out.previousSessionAffinityCookie = status.previousSessionAffinityCookie;
  if (status?.primarySessionAffinityCookie) out.primarySessionAffinityCookie = status.primarySessionAffinityCookie;
  return out;
}
