// analysis.sessionAffinity in the Istio and Gateway API routers: the cookies in the status become
// a sticky route per cookie, Set-Cookie on the weighted route's destinations while the canary
// takes traffic, and an expiring Set-Cookie for the previous run's cookie once it is back at 0.
import { expect } from 'chai';
import type { Canary, CanaryStatus, SessionAffinity } from '../../../../src/api/types.js';
import { synthesizeCanary } from '../../../../src/synth/canary-chart.js';
import type { SynthWeights } from '../../../../src/synth/canary-chart.js';
import type { JsonObject } from '../../../../src/synth/kube-json.js';
import { inputOf, ofKind, podinfoCanary } from '../inputs.js';

const CANARY_COOKIE = 'canary-cookie=AbCdEfGhIj';
const PRIMARY_COOKIE = 'primary-cookie=KlMnOpQrSt';
const gatewayRefs = [{ name: 'gateway', namespace: 'istio-ingress' }];

function stickyCanary(provider: string, affinity: SessionAffinity, status: CanaryStatus, service: Partial<Canary['spec']['service']> = {}): Canary {
  const canary = podinfoCanary({
    provider,
    service: { port: 9898, ...(provider.startsWith('gatewayapi') ? { gatewayRefs } : {}), ...service },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10, sessionAffinity: affinity },
  });
  return { ...canary, status };
}

const routeSpecOf = (canary: Canary, weights: SynthWeights, kind: string) =>
  ofKind(synthesizeCanary(inputOf(canary, undefined, { weights })).byRole.routes as JsonObject[], kind)[0].spec;

const dest = (host: string, weight: number) => ({ destination: { host }, weight });
const backend = (name: string, weight: number) => ({ group: '', kind: 'Service', name, port: 9898, weight });

describe('synth: session affinity (istio)', () => {
  it('while the canary takes traffic: a sticky route for the cookie, Set-Cookie on the canary destination', () => {
    const canary = stickyCanary('istio', { cookieName: 'canary-cookie' }, { sessionAffinityCookie: CANARY_COOKIE });
    expect(routeSpecOf(canary, { primary: 90, canary: 10 }, 'VirtualService').http).to.deep.equal([
      {
        name: 'sticky-route',
        match: [{ headers: { Cookie: { regex: '.*canary-cookie.*AbCdEfGhIj.*' } } }],
        route: [dest('podinfo-primary', 0), dest('podinfo-canary', 100)],
      },
      {
        route: [
          dest('podinfo-primary', 90),
          { ...dest('podinfo-canary', 10), headers: { response: { add: { 'Set-Cookie': 'canary-cookie=AbCdEfGhIj; Max-Age=86400' } } } },
        ],
      },
    ]);
  });

  it('with primaryCookieName: the primary hands out its cookie too, and a second sticky route pins its users', () => {
    const affinity: SessionAffinity = {
      cookieName: 'canary-cookie',
      primaryCookieName: 'primary-cookie',
      maxAge: 600,
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    };
    const canary = stickyCanary(
      'istio',
      affinity,
      { sessionAffinityCookie: CANARY_COOKIE, primarySessionAffinityCookie: PRIMARY_COOKIE },
      { match: [{ uri: { prefix: '/api' } }] },
    );
    const attributes = '; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Strict';
    expect(routeSpecOf(canary, { primary: 70, canary: 30 }, 'VirtualService').http).to.deep.equal([
      {
        name: 'sticky-route',
        match: [{ uri: { prefix: '/api' }, headers: { Cookie: { regex: '.*canary-cookie.*AbCdEfGhIj.*' } } }],
        route: [dest('podinfo-primary', 0), dest('podinfo-canary', 100)],
      },
      {
        name: 'sticky-route-primary',
        match: [{ uri: { prefix: '/api' }, headers: { Cookie: { regex: '.*primary-cookie.*KlMnOpQrSt.*' } } }],
        route: [dest('podinfo-primary', 100), dest('podinfo-canary', 0)],
      },
      {
        match: [{ uri: { prefix: '/api' } }],
        route: [
          { ...dest('podinfo-primary', 70), headers: { response: { add: { 'Set-Cookie': `${PRIMARY_COOKIE}${attributes}` } } } },
          { ...dest('podinfo-canary', 30), headers: { response: { add: { 'Set-Cookie': `${CANARY_COOKIE}${attributes}` } } } },
        ],
      },
    ]);
  });

  it('back at the primary: the sticky route matches the previous cookie and expires it, beside the service headers', () => {
    const canary = stickyCanary(
      'istio',
      { cookieName: 'canary-cookie' },
      { previousSessionAffinityCookie: CANARY_COOKIE },
      {
        headers: { response: { add: { 'x-served-by': 'podinfo' } } },
      },
    );
    const http = routeSpecOf(canary, { primary: 100, canary: 0 }, 'VirtualService').http;
    expect(http[0]).to.deep.equal({
      name: 'sticky-route',
      headers: { response: { add: { 'x-served-by': 'podinfo', 'Set-Cookie': 'canary-cookie=AbCdEfGhIj; Max-Age=-1' } } },
      match: [{ headers: { Cookie: { regex: '.*canary-cookie.*AbCdEfGhIj.*' } } }],
      route: [dest('podinfo-primary', 100), dest('podinfo-canary', 0)],
    });
    expect(http[1]).to.deep.equal({
      headers: { response: { add: { 'x-served-by': 'podinfo' } } },
      route: [dest('podinfo-primary', 100), dest('podinfo-canary', 0)],
    });
  });

  it('leaves A/B testing and TCP routes alone', () => {
    const ab = stickyCanary('istio', { cookieName: 'canary-cookie' }, { sessionAffinityCookie: CANARY_COOKIE });
    ab.spec.analysis = { ...ab.spec.analysis, iterations: 10, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] };
    const http = routeSpecOf(ab, { primary: 0, canary: 100 }, 'VirtualService').http as JsonObject[];
    expect(http.map((r) => r.name)).to.deep.equal([undefined, undefined]);
    expect(JSON.stringify(http)).not.to.contain('Set-Cookie');
    const tcp = stickyCanary('istio', { cookieName: 'canary-cookie' }, { sessionAffinityCookie: CANARY_COOKIE }, { appProtocol: 'tcp' });
    expect(routeSpecOf(tcp, { primary: 50, canary: 50 }, 'VirtualService').http).to.equal(undefined);
  });
});

describe('synth: session affinity (gatewayapi)', () => {
  for (const provider of ['gatewayapi:v1', 'gatewayapi:v1beta1']) {
    it(`${provider}: a sticky rule for each cookie, Set-Cookie filters on the weighted backends`, () => {
      const affinity: SessionAffinity = { cookieName: 'canary-cookie', primaryCookieName: 'primary-cookie' };
      const canary = stickyCanary(provider, affinity, { sessionAffinityCookie: CANARY_COOKIE, primarySessionAffinityCookie: PRIMARY_COOKIE });
      const setCookie = (value: string) => [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value }] } }];
      const byCookie = (value: string) => [{ headers: [{ type: 'RegularExpression', name: 'Cookie', value }] }];
      expect(routeSpecOf(canary, { primary: 80, canary: 20 }, 'HTTPRoute').rules).to.deep.equal([
        { matches: byCookie('.*canary-cookie.*AbCdEfGhIj.*'), backendRefs: [backend('podinfo-primary', 0), backend('podinfo-canary', 100)] },
        { matches: byCookie('.*primary-cookie.*KlMnOpQrSt.*'), backendRefs: [backend('podinfo-primary', 100), backend('podinfo-canary', 0)] },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { ...backend('podinfo-primary', 80), filters: setCookie(`${PRIMARY_COOKIE}; Max-Age=86400`) },
            { ...backend('podinfo-canary', 20), filters: setCookie(`${CANARY_COOKIE}; Max-Age=86400`) },
          ],
        },
      ]);
    });
  }

  it('keeps the service matches on the sticky rule, and expires the previous cookie back at the primary', () => {
    const canary = stickyCanary(
      'gatewayapi:v1',
      { cookieName: 'canary-cookie' },
      { previousSessionAffinityCookie: CANARY_COOKIE },
      { match: [{ uri: { prefix: '/api' } }] },
    );
    expect(routeSpecOf(canary, { primary: 100, canary: 0 }, 'HTTPRoute').rules).to.deep.equal([
      {
        matches: [
          { path: { type: 'PathPrefix', value: '/api' }, headers: [{ type: 'RegularExpression', name: 'Cookie', value: '.*canary-cookie.*AbCdEfGhIj.*' }] },
        ],
        filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: `${CANARY_COOKIE}; Max-Age=-1` }] } }],
        backendRefs: [backend('podinfo-primary', 100), backend('podinfo-canary', 0)],
      },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [backend('podinfo-primary', 100), backend('podinfo-canary', 0)] },
    ]);
  });

  it('never writes an empty match list, which would send everyone to the canary', () => {
    const canary = stickyCanary('gatewayapi:v1', { cookieName: 'canary-cookie' }, { sessionAffinityCookie: CANARY_COOKIE });
    const rules = routeSpecOf(canary, { primary: 50, canary: 50 }, 'HTTPRoute').rules as JsonObject[];
    for (const rule of rules) expect(rule.matches).to.have.length.greaterThan(0);
  });
});
