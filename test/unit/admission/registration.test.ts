import { expect } from 'chai';
import { EXCLUDED_NAMESPACES, WEBHOOK_CONFIGURATION_NAME, webhookConfigurations } from '../../../src/admission/registration.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('webhookConfigurations', () => {
  const { mutating, validating } = webhookConfigurations({ url: 'https://127.0.0.1:9443' }, CA);
  const [deployments] = mutating.webhooks as any[];
  const [flagger, owned] = validating.webhooks as any[];

  it('names both configurations sluice-admission', () => {
    expect(mutating.metadata.name).to.equal(WEBHOOK_CONFIGURATION_NAME);
    expect(validating.metadata.name).to.equal(WEBHOOK_CONFIGURATION_NAME);
    expect(WEBHOOK_CONFIGURATION_NAME).to.match(/^sluice-/);
    expect([mutating.kind, validating.kind]).to.deep.equal(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
  });

  it('points at the loopback URL with the CA, base64-encoded', () => {
    expect(deployments.clientConfig).to.deep.equal({ url: 'https://127.0.0.1:9443/mutate/deployments', caBundle: Buffer.from(CA).toString('base64') });
    expect(flagger.clientConfig.url).to.equal('https://127.0.0.1:9443/validate/flagger');
    expect(owned.clientConfig.url).to.equal('https://127.0.0.1:9443/validate/owned');
  });

  it('points at the in-cluster Service when given one', () => {
    const { mutating: m } = webhookConfigurations({ service: { namespace: 'sluice-system', name: 'sluice' } }, CA);
    expect((m.webhooks as any[])[0].clientConfig.service).to.deep.equal({ namespace: 'sluice-system', name: 'sluice', port: 443, path: '/mutate/deployments' });
  });

  it('mutating Deployment webhook: fails open, 2 s, apps/v1 deployments UPDATE only, outside kube-system', () => {
    expect(deployments.failurePolicy).to.equal('Ignore');
    expect(deployments.timeoutSeconds).to.equal(2);
    expect(deployments.sideEffects).to.equal('None');
    expect(deployments.reinvocationPolicy).to.equal('IfNeeded');
    expect(deployments.admissionReviewVersions).to.deep.equal(['v1']);
    expect(deployments.rules).to.deep.equal([
      { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['UPDATE'], scope: 'Namespaced' },
    ]);
    expect(deployments.namespaceSelector.matchExpressions[0]).to.deep.equal({
      key: 'kubernetes.io/metadata.name',
      operator: 'NotIn',
      values: EXCLUDED_NAMESPACES,
    });
    expect(EXCLUDED_NAMESPACES).to.include('kube-system');
    expect(deployments.objectSelector.matchExpressions[0]).to.deep.equal({ key: 'sluice.dev/admission', operator: 'NotIn', values: ['disabled'] });
    expect(deployments.matchConditions[0].expression).to.include('object.spec.template != oldObject.spec.template');
  });

  it('validating flagger webhook: canaries, metrictemplates, alertproviders on CREATE and UPDATE', () => {
    expect(flagger.rules).to.deep.equal([
      {
        apiGroups: ['flagger.app'],
        apiVersions: ['v1beta1'],
        resources: ['canaries', 'metrictemplates', 'alertproviders'],
        operations: ['CREATE', 'UPDATE'],
        scope: '*',
      },
    ]);
    expect(flagger.failurePolicy).to.equal('Ignore');
    const strict = webhookConfigurations({ url: 'https://127.0.0.1:1' }, CA, { validationFailurePolicy: 'Fail' });
    expect((strict.validating.webhooks as any[])[0].failurePolicy).to.equal('Fail');
  });

  it('owned-object guard: UPDATE of generated kinds, only when a Canary owns the object; optional', () => {
    expect(owned.rules.every((r: any) => r.operations.length === 1 && r.operations[0] === 'UPDATE')).to.equal(true);
    expect(owned.rules.flatMap((r: any) => r.resources)).to.include.members([
      'deployments',
      'services',
      'configmaps',
      'secrets',
      'horizontalpodautoscalers',
      'virtualservices',
    ]);
    expect(owned.matchConditions[0].expression).to.include("r.kind == 'Canary'");
    const off = webhookConfigurations({ url: 'https://127.0.0.1:1' }, CA, { ownedObjectGuard: false });
    expect((off.validating.webhooks as any[]).map((w) => w.name)).to.deep.equal(['flagger.validate.sluice.dev']);
  });

  it('gives every webhook a unique fully qualified name', () => {
    const names = [...(mutating.webhooks as any[]), ...(validating.webhooks as any[])].map((w) => w.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const n of names) expect(n).to.match(/^[a-z.]+\.sluice\.dev$/);
  });
});
