import { expect } from 'chai';
import type { CanaryStatus } from '../../../src/api/types.js';
import { synthesizeCanary } from '../../../src/synth/canary-chart.js';
import type { JsonObject } from '../../../src/synth/kube-json.js';
import { promotionIdOf } from '../../../src/synth/promotion-id.js';
import { inputOf, podinfoCanary, podinfoDeployment } from './inputs.js';

const promoted: CanaryStatus = { phase: 'Progressing', lastAppliedSpec: '5d8f9c7b4', trackedConfigs: { 'configmap/podinfo-config': 'aaa' } };

function primaryTemplateOf(
  status: CanaryStatus | undefined,
  templateAnnotations?: Record<string, string>,
  podAnnotations?: Record<string, string>,
): JsonObject {
  const target = podinfoDeployment();
  if (templateAnnotations) target.spec.template!.metadata!.annotations = templateAnnotations;
  const canary = podinfoCanary();
  if (status) canary.status = status;
  const out = synthesizeCanary(inputOf(canary, target, podAnnotations ? { podAnnotations } : {}));
  return (out.byRole.primaryDeployment as JsonObject).spec.template;
}

describe('synth: flagger-id on the primary pod template', () => {
  it('is a UUID derived from the revision the status records', () => {
    const id = primaryTemplateOf(promoted).metadata.annotations['flagger-id'];
    expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).to.equal(promotionIdOf(promoted));
  });

  it('is the same when the same promotion is synthesized again (a restart does not roll the pods twice)', () => {
    expect(primaryTemplateOf(structuredClone(promoted))).to.deep.equal(primaryTemplateOf(promoted));
  });

  it('changes with a ConfigMap-only change, the template unchanged, so the primary pods roll', () => {
    const configOnly: CanaryStatus = { ...promoted, trackedConfigs: { 'configmap/podinfo-config': 'bbb' } };
    const before = primaryTemplateOf(promoted);
    const after = primaryTemplateOf(configOnly);
    expect(after.metadata.annotations['flagger-id']).not.to.equal(before.metadata.annotations['flagger-id']);
    expect(after.spec).to.deep.equal(before.spec);
  });

  it('changes with the template revision', () => {
    expect(promotionIdOf({ ...promoted, lastAppliedSpec: '6c4d' })).not.to.equal(promotionIdOf(promoted));
  });

  it('does not depend on the order of trackedConfigs', () => {
    const a = { lastAppliedSpec: 'x', trackedConfigs: { 'configmap/a': '1', 'secret/b': '2' } };
    const b = { lastAppliedSpec: 'x', trackedConfigs: { 'secret/b': '2', 'configmap/a': '1' } };
    expect(promotionIdOf(a)).to.equal(promotionIdOf(b));
  });

  it('is absent before the status records a revision (initialization creates new pods anyway)', () => {
    expect(primaryTemplateOf(undefined).metadata).not.to.have.property('annotations');
    expect(promotionIdOf({ phase: 'Initializing' })).to.equal(undefined);
  });

  it("drops Flux's keys and the target's own flagger-id from the copied annotations, as Flagger does", () => {
    const template = primaryTemplateOf(promoted, {
      'prometheus.io/scrape': 'true',
      'kustomize.toolkit.fluxcd.io/checksum': 'abc',
      'flagger-id': 'copied-from-somewhere',
    });
    expect(template.metadata.annotations).to.deep.equal({ 'prometheus.io/scrape': 'true', 'flagger-id': promotionIdOf(promoted) });
    expect(primaryTemplateOf(undefined, { 'flagger-id': 'copied-from-somewhere' }).metadata).not.to.have.property('annotations');
  });

  it('yields to podAnnotations given explicitly', () => {
    expect(primaryTemplateOf(promoted, undefined, { 'flagger-id': 'b7f0' }).metadata.annotations).to.deep.equal({ 'flagger-id': 'b7f0' });
  });
});
