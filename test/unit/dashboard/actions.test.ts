// The Canary page's actions: the CLI's annotations, and what the page says about the outcome.
import { expect } from 'chai';
import { controlPatch } from '../../../src/cli/control.js';
import { ACTIONS, actionResult, actionToken, isAction, runAction } from '../../../src/dashboard/actions.js';
import { KubeError, type KubeClient } from '../../../src/kube/index.js';

describe('dashboard actions', () => {
  it("offers exactly the CLI's rollout commands", () => {
    expect(ACTIONS).to.deep.equal(['promote', 'abort', 'retry', 'pause', 'resume']);
    expect(isAction('pause')).to.equal(true);
    expect(isAction('delete')).to.equal(false);
    expect(isAction('__proto__')).to.equal(false);
  });

  it('writes the patch `sluice <verb>` writes, with a token naming the time, the user and the dashboard', async () => {
    const calls: unknown[][] = [];
    const client = {
      mergePatch: async (...args: unknown[]) => {
        calls.push(args);
        return {};
      },
    } as unknown as KubeClient;
    const now = new Date('2026-11-28T12:00:00Z');
    const result = await runAction(client, 'promote', 'test', 'podinfo', 'alice', now);
    expect(result).to.deep.equal({ status: 200, message: 'promote requested for canary test/podinfo' });
    expect(calls).to.have.length(1);
    const [type, name, ns, patch] = calls[0] as [{ plural: string }, string, string, unknown];
    expect([type.plural, name, ns]).to.deep.equal(['canaries', 'podinfo', 'test']);
    expect(patch).to.deep.equal(controlPatch('promote', '2026-11-28T12:00:00.000Z by alice (dashboard)'));
    expect(actionToken(now, 'alice')).to.equal('2026-11-28T12:00:00.000Z by alice (dashboard)');
    await runAction(client, 'pause', 'test', 'podinfo', 'alice', now);
    expect(calls[1][3]).to.deep.equal({ metadata: { annotations: { 'sluice.dev/paused': 'true' } } });
  });

  it('says plainly when RBAC refuses, and tells a missing Canary from other failures', () => {
    const forbidden = new KubeError(403, 'Forbidden', 'PATCH ...: 403 Forbidden', 'PATCH /apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo', {
      kind: 'Status',
      message: 'canaries.flagger.app "podinfo" is forbidden: User "bob" cannot patch resource "canaries"',
    });
    const refused = actionResult('abort', 'test', 'podinfo', forbidden);
    expect(refused.status).to.equal(403);
    expect(refused.message).to.match(/^Not allowed: your Kubernetes user may not patch canaries\.flagger\.app in namespace test \(abort needs it\)\./);
    expect(refused.message).to.include('User "bob" cannot patch resource "canaries"');
    expect(actionResult('abort', 'test', 'podinfo', new KubeError(404, 'NotFound', 'gone', 'PATCH x')).status).to.equal(404);
    const other = actionResult('abort', 'test', 'podinfo', new KubeError(0, 'Timeout', 'PATCH x: Timeout', 'PATCH x'));
    expect(other).to.deep.equal({ status: 502, message: 'abort failed: PATCH x: Timeout' });
  });
});
