// The session affinity cookies of the status: handed out while the canary takes traffic, kept
// for the whole run, retired to `previousSessionAffinityCookie` once traffic is back at 0.
import { expect } from 'chai';
import { cookieValue, sessionCookiesAt } from '../../../src/rollout/session-cookies.js';
import { World, osmCanary } from './world.js';

describe('rollout: session affinity cookies', () => {
  const affinity = { cookieName: 'canary-cookie', primaryCookieName: 'primary-cookie' };

  it('draws ten letters from the seed: the same seed the same value, another seed another', () => {
    expect(cookieValue('a')).to.match(/^[a-zA-Z]{10}$/);
    expect(cookieValue('a')).to.equal(cookieValue('a'));
    expect(cookieValue('a')).not.to.equal(cookieValue('b'));
  });

  it('hands out a canary and a primary cookie when the canary first takes traffic, and keeps them', () => {
    const first = sessionCookiesAt(affinity, {}, 10, 'seed-1');
    expect(first.sessionAffinityCookie).to.match(/^canary-cookie=[a-zA-Z]{10}$/);
    expect(first.primarySessionAffinityCookie).to.match(/^primary-cookie=[a-zA-Z]{10}$/);
    expect(first.sessionAffinityCookie!.split('=')[1]).not.to.equal(first.primarySessionAffinityCookie!.split('=')[1]);
    expect(sessionCookiesAt(affinity, first, 20, 'seed-2')).to.deep.equal(first);
  });

  it('without primaryCookieName, only the canary cookie', () => {
    expect(Object.keys(sessionCookiesAt({ cookieName: 'c' }, {}, 10, 's'))).to.deep.equal(['sessionAffinityCookie']);
  });

  it('back at 0, the canary cookie becomes the previous one and the primary cookie is dropped; it stays previous', () => {
    const running = { sessionAffinityCookie: 'canary-cookie=AAAA', primarySessionAffinityCookie: 'primary-cookie=BBBB' };
    const ended = sessionCookiesAt(affinity, running, 0, 's');
    expect(ended).to.deep.equal({ previousSessionAffinityCookie: 'canary-cookie=AAAA' });
    expect(sessionCookiesAt(affinity, ended, 0, 's2')).to.deep.equal(ended);
    expect(sessionCookiesAt(affinity, {}, 0, 's')).to.deep.equal({});
  });

  it('a rollout writes the cookie into the status with its first step, keeps it, and retires it at promotion', () => {
    const w = new World(
      osmCanary((c) => {
        c.metadata.uid = 'uid-1';
        c.spec.provider = 'istio';
        c.spec.analysis!.sessionAffinity = { cookieName: 'canary-cookie' };
      }),
    );
    w.reconcile();
    w.reconcile();
    expect(w.status.sessionAffinityCookie).to.equal(undefined);
    w.setImage('podinfo:6.0.1');
    const cookies = new Set<string | undefined>();
    while (w.status.phase !== 'Succeeded') {
      w.step();
      if ((w.status.canaryWeight ?? 0) > 0) cookies.add(w.status.sessionAffinityCookie);
    }
    expect(cookies.size).to.equal(1);
    const [cookie] = cookies;
    expect(cookie).to.match(/^canary-cookie=[a-zA-Z]{10}$/);
    expect(w.status.sessionAffinityCookie).to.equal(undefined);
    expect(w.status.previousSessionAffinityCookie).to.equal(cookie);
  });

  it('a provider without cookie routing keeps no cookies in the status', () => {
    const w = new World(
      osmCanary((c) => {
        c.spec.analysis!.sessionAffinity = { cookieName: 'canary-cookie' };
      }),
    );
    w.reconcile();
    w.reconcile();
    w.setImage('podinfo:6.0.1');
    w.runUntil(['Succeeded']);
    expect(w.status).not.to.have.any.keys('sessionAffinityCookie', 'previousSessionAffinityCookie', 'primarySessionAffinityCookie');
  });
});
