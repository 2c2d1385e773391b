// The webhook's Canary lookup: a Canary targets a Deployment only when its targetRef says kind
// Deployment, in the same namespace, by name. (The operator must pass this lookup, not a
// name-only one, for a DaemonSet-targeting Canary of the same name to be left alone.)
import { expect } from 'chai';
import { canaryLookupFromCache, canaryLookupFromList } from '../../../src/admission/canary-lookup.js';
import type { Canary } from '../../../src/api/types.js';

const canary = (name: string, namespace: string, kind: string, target: string): Canary => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name, namespace },
  spec: { targetRef: { apiVersion: 'apps/v1', kind, name: target } as Canary['spec']['targetRef'], service: { port: 80 } },
});

describe('canary lookup', () => {
  it('matches kind Deployment, namespace and name; not another kind of the same name', () => {
    const lookup = canaryLookupFromList([canary('ds', 'test', 'DaemonSet', 'podinfo'), canary('other-ns', 'prod', 'Deployment', 'podinfo')]);
    expect(lookup.findByTarget('test', 'podinfo')).to.equal(undefined);
    const both = canaryLookupFromList([canary('ds', 'test', 'DaemonSet', 'podinfo'), canary('dep', 'test', 'Deployment', 'podinfo')]);
    expect(both.findByTarget('test', 'podinfo')?.metadata.name).to.equal('dep');
  });

  it('over a cache: the same rule, reading the namespace asked for', () => {
    const all = [canary('ds', 'test', 'DaemonSet', 'podinfo'), canary('dep', 'test', 'Deployment', 'podinfo')];
    const lookup = canaryLookupFromCache({ list: (ns?: string) => all.filter((c) => !ns || c.metadata.namespace === ns) });
    expect(lookup.findByTarget('test', 'podinfo')?.metadata.name).to.equal('dep');
    expect(lookup.findByTarget('prod', 'podinfo')).to.equal(undefined);
  });
});
