// What a Canary references besides its target (the NGINX Ingress, the Gloo Upstream), which the
// controller reads from watches and hands to synthesis.
import { expect } from 'chai';
import { isReferencedKind, MissingReferenceError, referencesOf, refersTo } from '../../../src/controller/references.js';
import type { Canary } from '../../../src/api/types.js';

const canary = (spec: Partial<Canary['spec']>): Canary =>
  ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 80 }, ...spec },
  }) as Canary;

const object = (apiVersion: string, kind: string, name: string, namespace: string) => ({ apiVersion, kind, metadata: { name, namespace } });

describe('controller: objects a Canary references', () => {
  it('an nginx Canary references its Ingress in its own namespace, as networking.k8s.io/v1', () => {
    const c = canary({ provider: 'nginx', ingressRef: { apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', name: 'web' } });
    expect(referencesOf(c)).to.deep.equal([{ role: 'ingress', field: 'spec.ingressRef', object: object('networking.k8s.io/v1', 'Ingress', 'web', 'test') }]);
  });

  it('a gloo Canary references its Upstream, possibly in another namespace', () => {
    const c = canary({ provider: 'gloo', upstreamRef: { apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', name: 'base', namespace: 'gloo-system' } });
    expect(referencesOf(c).map((r) => r.object)).to.deep.equal([object('gloo.solo.io/v1', 'Upstream', 'base', 'gloo-system')]);
    expect(referencesOf(canary({ upstreamRef: { apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', name: 'base' } }))[0].object.metadata.namespace).to.equal(
      'test',
    );
  });

  it('a Canary without references has none', () => {
    expect(referencesOf(canary({ provider: 'istio' }))).to.deep.equal([]);
  });

  it('tells which Canary a changed Ingress or Upstream concerns (by kind, group, name and namespace)', () => {
    const c = canary({ provider: 'nginx', ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web' } });
    expect(refersTo(c, object('networking.k8s.io/v1', 'Ingress', 'web', 'test'))).to.equal(true);
    expect(refersTo(c, object('networking.k8s.io/v1', 'Ingress', 'web-canary', 'test')), 'the generated copy').to.equal(false);
    expect(refersTo(c, object('networking.k8s.io/v1', 'Ingress', 'web', 'other'))).to.equal(false);
    expect(refersTo(c, object('gloo.solo.io/v1', 'Upstream', 'web', 'test'))).to.equal(false);
    expect(isReferencedKind(object('networking.k8s.io/v1', 'Ingress', 'x', 'y'))).to.equal(true);
    expect(isReferencedKind(object('gloo.solo.io/v1', 'Upstream', 'x', 'y'))).to.equal(true);
    expect(isReferencedKind(object('networking.istio.io/v1', 'VirtualService', 'x', 'y'))).to.equal(false);
  });

  it('a missing reference is named with its field', () => {
    const [ref] = referencesOf(canary({ ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web' } }));
    expect(new MissingReferenceError(ref).message).to.equal('spec.ingressRef names Ingress test/web, which does not exist');
  });
});
