// reviewAccess against a scripted apiserver: the SelfSubjectAccessReview it POSTs (what
// `kubectl auth can-i` sends), and the verdict, or no verdict, it makes of the answer.
import { expect } from 'chai';
import { startFakeApiserver, status, type FakeApiserver } from './fake-apiserver.js';
import { KubeTransport, RESOURCES, reviewAccess } from '../../../src/kube/index.js';

describe('reviewAccess (SelfSubjectAccessReview)', () => {
  let api: FakeApiserver | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('asks about one verb on one kind in a namespace, with the credentials, and returns the verdict and its reason', async () => {
    api = await startFakeApiserver(() => ({
      status: 201,
      body: { kind: 'SelfSubjectAccessReview', status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "sluice"' } },
    }));
    const answer = await reviewAccess(new KubeTransport(api.kubeConfig()), { verb: 'watch', type: RESOURCES.canaries, namespace: 'test' });
    expect(answer).to.deep.equal({ answered: true, allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "sluice"' });
    expect(api.seen.map(({ method, path, authorization, body }) => ({ method, path, authorization, body }))).to.deep.equal([
      {
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        authorization: 'Bearer secret-token',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb: 'watch', group: 'flagger.app', resource: 'canaries', namespace: 'test' } },
        },
      },
    ]);
  });

  it('asks about every namespace with an empty one, and the core group as ""', async () => {
    api = await startFakeApiserver(() => ({ status: 201, body: { kind: 'SelfSubjectAccessReview', status: { allowed: false } } }));
    expect(await reviewAccess(new KubeTransport(api.kubeConfig()), { verb: 'list', type: RESOURCES.events })).to.deep.equal({ answered: true, allowed: false });
    expect(api.seen[0].body.spec.resourceAttributes).to.deep.equal({ verb: 'list', group: '', resource: 'events', namespace: '' });
  });

  it('not allowed is refused whether an authorizer denied it or none had an opinion; an evaluation error is kept as a reason', async () => {
    api = await startFakeApiserver(() => ({
      status: 201,
      body: { kind: 'SelfSubjectAccessReview', status: { allowed: false, denied: true, reason: 'denied by policy', evaluationError: 'role "x" not found' } },
    }));
    expect(await reviewAccess(new KubeTransport(api.kubeConfig()), { verb: 'watch', type: RESOURCES.events })).to.deep.equal({
      answered: true,
      allowed: false,
      reason: 'denied by policy; role "x" not found',
    });
  });

  it('an error status or no answer at all is no verdict, with the error kept', async () => {
    api = await startFakeApiserver(() => ({ status: 500, body: status(500, 'InternalError', 'etcdserver: request timed out') }));
    const failed = await reviewAccess(new KubeTransport(api.kubeConfig()), { verb: 'watch', type: RESOURCES.events });
    expect(failed.answered).to.equal(false);
    expect(!failed.answered && failed.error.status).to.equal(500);
    // Closed: nothing listens at its address any more.
    const kc = api.kubeConfig();
    await api.close();
    api = undefined;
    const unreachable = await reviewAccess(new KubeTransport(kc), { verb: 'watch', type: RESOURCES.events });
    expect(unreachable.answered).to.equal(false);
    expect(!unreachable.answered && unreachable.error.status).to.equal(0);
  });
});
