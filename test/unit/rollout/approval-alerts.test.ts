// The alerts of a held confirm gate: Warning severity as in Flagger, and none when the hook that
// holds has muteAlert: true (the halt Event is still recorded).
import { expect } from 'chai';
import type { Decision } from '../../../src/rollout/decision.js';
import { World, osmCanary, pass, fail } from './world.js';

function initialized(world: World): World {
  world.reconcile();
  world.reconcile();
  expect(world.status.phase).to.equal('Initialized');
  return world;
}

const confirmRollout = (muteAlert?: boolean) =>
  osmCanary((c) =>
    c.spec.analysis!.webhooks!.push({ name: 'gate', type: 'confirm-rollout', url: 'http://lt/gate/check', ...(muteAlert === undefined ? {} : { muteAlert }) }),
  );
const confirmPromotion = (muteAlert?: boolean) =>
  osmCanary((c) =>
    c.spec.analysis!.webhooks!.push({ name: 'promo', type: 'confirm-promotion', url: 'http://lt/', ...(muteAlert === undefined ? {} : { muteAlert }) }),
  );

describe('rollout: approval alerts', () => {
  it('waiting for approval (confirm-rollout) alerts once, with Warning severity', () => {
    const w = initialized(new World(confirmRollout(), { 'confirm-rollout': () => fail('Halt podinfo.test advancement waiting for approval gate', 'gate') }));
    w.setImage('podinfo:6.0.1');
    const first = w.reconcile();
    expect(w.status.phase).to.equal('Waiting');
    expect(first.alerts).to.deep.equal([{ severity: 'warn', message: 'Canary is waiting for approval.' }]);
    expect(w.step().alerts).to.deep.equal([]);
  });

  it('a confirm-rollout hook with muteAlert: true halts with its Event but sends no alert', () => {
    const w = initialized(
      new World(confirmRollout(true), { 'confirm-rollout': () => fail('Halt podinfo.test advancement waiting for approval gate', 'gate') }),
    );
    w.setImage('podinfo:6.0.1');
    const first = w.reconcile();
    expect(w.status.phase).to.equal('Waiting');
    expect(first.alerts).to.deep.equal([]);
    expect(w.events).to.include('Halt podinfo.test advancement waiting for approval gate');
  });

  const toPromotion = (muteAlert?: boolean): Decision[] => {
    const w = initialized(
      new World(confirmPromotion(muteAlert), {
        analysis: () => pass(),
        'pre-rollout': () => pass(),
        'confirm-promotion': () => fail('Halt podinfo.test advancement waiting for promotion approval promo', 'promo'),
      }),
    );
    w.setImage('podinfo:6.0.1');
    const decisions = [w.reconcile()];
    for (let i = 0; i < 30 && w.status.phase !== 'WaitingPromotion'; i++) decisions.push(w.step());
    expect(w.status.phase).to.equal('WaitingPromotion');
    return decisions;
  };

  it('waiting for promotion approval alerts with Warning severity', () => {
    const alerts = toPromotion()
      .flatMap((d) => d.alerts)
      .filter((a) => a.message.includes('promotion approval'));
    expect(alerts).to.deep.equal([{ severity: 'warn', message: 'Canary is waiting for promotion approval.' }]);
  });

  it('a confirm-promotion hook with muteAlert: true sends no alert', () => {
    const alerts = toPromotion(true)
      .flatMap((d) => d.alerts)
      .filter((a) => a.message.includes('promotion approval'));
    expect(alerts).to.deep.equal([]);
  });
});
