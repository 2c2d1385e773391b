// What the Istio and Gateway API routers write for `analysis.sessionAffinity`: the Set-Cookie
// value that hands a user a cookie, the Cookie match that recognizes it, and the one that tells a
// browser to drop the cookie of a finished run. The cookies themselves (`name=value`) are in the
// Canary's status, decided by src/rollout/session-cookies.ts.
import type { ResolvedCanary } from '../../api/defaults.js';
import type { CanaryStatus } from '../../api/types.js';

export const COOKIE_HEADER = 'Cookie';
export const SET_COOKIE_HEADER = 'Set-Cookie';
/** Flagger's name of the route that sends a cookie's holders to their side. */
export const STICKY_ROUTE_NAME = 'sticky-route';
export const PRIMARY_STICKY_ROUTE_NAME = 'sticky-route-primary';

type Affinity = NonNullable<ResolvedCanary['sessionAffinity']>;

/** What the routers need: the affinity settings and the cookies of this step. */
export interface StickyState {
  readonly affinity: Affinity;
  /** Set while the canary takes traffic. */
  readonly canaryCookie?: string;
  readonly primaryCookie?: string;
  /** Set once traffic is back at the primary: the cookie browsers are told to drop. */
  readonly previousCookie?: string;
}

/** The sticky state of a Canary whose routes have affinity, at `canaryWeight`; undefined without affinity. */
export function stickyStateOf(resolved: ResolvedCanary, status: CanaryStatus | undefined, canaryWeight: number): StickyState | undefined {
  const affinity = resolved.sessionAffinity;
  if (!affinity || resolved.strategy.kind === 'ab-testing') return undefined;
  if (canaryWeight > 0) {
    return {
      affinity,
      ...(status?.sessionAffinityCookie ? { canaryCookie: status.sessionAffinityCookie } : {}),
      ...(status?.primarySessionAffinityCookie && affinity.primaryCookieName ? { primaryCookie: status.primarySessionAffinityCookie } : {}),
    };
  }
  return { affinity, ...(status?.previousSessionAffinityCookie ? { previousCookie: status.previousSessionAffinityCookie } : {}) };
}

/** The Set-Cookie value for `cookie` (`name=value`), with the attributes of `analysis.sessionAffinity`. */
export function setCookie(affinity: Affinity, cookie: string): string {
  // In the order Go's http.Cookie writes them.
  const attributes = [
    cookie,
    ...(affinity.path ? [`Path=${affinity.path}`] : []),
    ...(affinity.domain ? [`Domain=${affinity.domain}`] : []),
    `Max-Age=${affinity.maxAge}`,
    ...(affinity.httpOnly ? ['HttpOnly'] : []),
    ...(affinity.secure ? ['Secure'] : []),
    ...(affinity.sameSite ? [`SameSite=${affinity.sameSite}`] : []),
    ...(affinity.partitioned ? ['Partitioned'] : []),
  ];
  return attributes.join('; ');
}

/** The Set-Cookie value that makes a browser drop `cookie` at once. */
export function expiredCookie(cookie: string): string {
  return `${cookie}; Max-Age=-1`;
}

/** The regex a Cookie header carrying `cookie` matches. */
export function cookieRegex(cookie: string): string {
  const at = cookie.indexOf('=');
  return `.*${cookie.slice(0, at)}.*${cookie.slice(at + 1)}.*`;
}
