import { expect } from 'chai';
import { synthesizeCanary, type SynthInput } from '../../../../src/synth/canary-chart.js';
import { SynthError } from '../../../../src/synth/errors.js';
import { expectedLatestRevision } from '../../../../src/synth/routers/knative.js';
import { exampleInput } from '../inputs.js';

/** examples/knative with Knative's status: `latest` made, the annotation naming `primary`. */
function input(weights: SynthInput['weights'], opts: { latest?: string; primary?: string; promote?: boolean } = {}): SynthInput {
  const base = exampleInput('knative', weights);
  const target = structuredClone(base.target) as any;
  if (opts.primary) target.metadata.annotations = { 'flagger.app/primary-revision': opts.primary };
  if (opts.latest) target.status = { latestCreatedRevisionName: opts.latest };
  return { ...base, target, promote: opts.promote === true };
}

describe('synth: knative router', () => {
  it('writes only the target Service: its primary-revision annotation and spec.traffic, latest revision first, no owner reference', () => {
    const out = synthesizeCanary(input({ primary: 70, canary: 30 }, { latest: 'podinfo-00002', primary: 'podinfo-00001' }));
    expect(out.byRole.primaryDeployment).to.equal(undefined);
    expect(out.byRole.services).to.equal(undefined);
    expect(out.objects).to.have.length(1);
    const [svc] = out.objects as any[];
    expect(svc.apiVersion).to.equal('serving.knative.dev/v1');
    expect(svc.kind).to.equal('Service');
    expect(svc.metadata).to.deep.equal({ name: 'podinfo', namespace: 'test', annotations: { 'flagger.app/primary-revision': 'podinfo-00001' } });
    expect(svc.spec).to.deep.equal({
      traffic: [
        { latestRevision: true, percent: 30 },
        { revisionName: 'podinfo-00001', percent: 70 },
      ],
    });
  });

  it('promotion (and initialization) moves the primary revision to the latest one, as Flagger does', () => {
    const [svc] = synthesizeCanary(input({ primary: 100, canary: 0 }, { latest: 'podinfo-00002', primary: 'podinfo-00001', promote: true })).objects as any[];
    expect(svc.metadata.annotations).to.deep.equal({ 'flagger.app/primary-revision': 'podinfo-00002' });
    expect(svc.spec.traffic[1]).to.deep.equal({ revisionName: 'podinfo-00002', percent: 100 });
  });

  it('without an annotation the latest revision is the primary; without a status, the revision Knative names first', () => {
    const [svc] = synthesizeCanary(input({ primary: 100, canary: 0 })).objects as any[];
    expect(svc.metadata.annotations).to.deep.equal({ 'flagger.app/primary-revision': 'podinfo-00001' });
    expect(expectedLatestRevision({ metadata: { name: 'web', generation: 12 }, spec: { template: {} } })).to.equal('web-00012');
    expect(expectedLatestRevision({ metadata: { name: 'web' }, spec: { template: { metadata: { name: 'web-blue' } } } })).to.equal('web-blue');
  });

  it('refuses a Deployment target, mirroring, and a target that is not the one named', () => {
    const base = input({ primary: 100, canary: 0 });
    const deploymentTarget = {
      ...base,
      canary: { ...base.canary, spec: { ...base.canary.spec, targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' } } },
    };
    expect(() => synthesizeCanary(deploymentTarget)).to.throw(
      SynthError,
      /spec\.targetRef: provider knative routes between the revisions of a Knative Service/,
    );
    expect(() => synthesizeCanary({ ...base, weights: { primary: 100, canary: 0, mirror: true } })).to.throw(SynthError, /cannot mirror/);
    const other = { ...base, target: { ...base.target, metadata: { ...base.target.metadata, name: 'other' } } };
    expect(() => synthesizeCanary(other)).to.throw(SynthError, /spec\.targetRef\.name: names Service podinfo but other was given/);
  });
});
