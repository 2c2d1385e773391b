// What the dashboard makes of the apiserver's answers about listing and watching a kind: what is
// missing, in words, or nothing when the watch may start (allowed, or not known).
import { expect } from 'chai';
import { KubeError, RESOURCES, type AccessAnswer } from '../../../src/kube/index.js';
import { missingWatchAccess, unansweredReviews } from '../../../src/dashboard/watch-access.js';

const yes: AccessAnswer = { answered: true, allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "sluice"' };
const no: AccessAnswer = { answered: true, allowed: false };
const unanswered: AccessAnswer = {
  answered: false,
  error: new KubeError(0, 'ECONNRESET', 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: ECONNRESET', 'POST'),
};

describe('dashboard watch access', () => {
  it('nothing is missing when both verbs are allowed', () => {
    expect(missingWatchAccess(RESOURCES.events, 'test', { list: yes, watch: yes }, 'your Kubernetes user')).to.equal(undefined);
  });

  it('names the refused verbs, the resource as kubectl does and where', () => {
    expect(missingWatchAccess(RESOURCES.events, undefined, { list: no, watch: no }, "the operator's ServiceAccount")).to.equal(
      "the operator's ServiceAccount may not list or watch events in every namespace",
    );
    expect(missingWatchAccess(RESOURCES.canaries, 'test', { list: yes, watch: no }, 'your Kubernetes user')).to.equal(
      'your Kubernetes user may not watch canaries.flagger.app in namespace test',
    );
  });

  it("keeps the apiserver's reasons for a refusal, each once", () => {
    const denied: AccessAnswer = { answered: true, allowed: false, reason: 'denied by policy' };
    expect(missingWatchAccess(RESOURCES.events, 'test', { list: denied, watch: denied }, 'you')).to.equal(
      'you may not list or watch events in namespace test (denied by policy)',
    );
  });

  it('a review the apiserver did not answer leaves the watch to try, and is reported', () => {
    expect(missingWatchAccess(RESOURCES.events, 'test', { list: unanswered, watch: yes }, 'you')).to.equal(undefined);
    expect(missingWatchAccess(RESOURCES.events, 'test', { list: unanswered, watch: no }, 'you')).to.equal('you may not watch events in namespace test');
    expect(unansweredReviews({ list: unanswered, watch: yes })).to.deep.equal([
      'list: POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: ECONNRESET',
    ]);
    expect(unansweredReviews({ list: yes, watch: no })).to.deep.equal([]);
  });
});
