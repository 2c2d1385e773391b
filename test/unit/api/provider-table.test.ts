// The provider table (src/api/providers.ts) is the one source of what a provider writes, reads and
// can do: RBAC, the owned-object guard, the CRD enum and validation must follow it.
import { expect } from 'chai';
import { PROVIDERS, SUPPORTED_PROVIDERS, REFERENCE_FIELDS, type Provider } from '../../../src/api/providers.js';
import { flaggerCrds } from '../../../src/api/crds.js';
import { validateCanary } from '../../../src/api/validate.js';
import { webhookConfigurations, WEBHOOK_NAMES } from '../../../src/admission/registration.js';
import { CLUSTER_RULES } from '../../../src/install/permissions.js';
import { defaultConfig } from '../../../src/operator/config.js';

const canary = (provider: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'flagger.app/v1beta1',
  kind: 'Canary',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: {
    provider,
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
    service: { port: 80 },
    analysis: { interval: '1m', stepWeight: 10, maxWeight: 50 },
    ...spec,
  },
});

describe('api: the provider table', () => {
  const guard = webhookConfigurations({ url: 'https://localhost:9443' }, 'ca').validating.webhooks as any[];
  const guardRules = guard.find((w) => w.name === WEBHOOK_NAMES.validateOwned).rules as { apiGroups: string[]; resources: string[] }[];

  for (const provider of SUPPORTED_PROVIDERS) {
    const entry = PROVIDERS[provider as Provider];
    it(`${provider}: RBAC applies and the guard protects every kind it writes`, () => {
      for (const { group, plural } of entry.routing) {
        const rule = CLUSTER_RULES.find((r) => r.apiGroups.includes(group) && r.resources.includes(plural));
        expect(rule?.verbs, `${plural}.${group}`).to.include.members(['get', 'list', 'watch', 'create', 'patch']);
        expect(
          guardRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(plural)),
          `guard ${plural}.${group}`,
        ).to.equal(true);
      }
    });

    it(`${provider}: the RBAC can read every kind it references`, () => {
      for (const field of entry.references ?? []) {
        const { apiVersion, plural } = REFERENCE_FIELDS[field];
        const group = apiVersion.split('/')[0];
        const rule = CLUSTER_RULES.find((r) => r.apiGroups.includes(group) && r.resources.includes(plural));
        expect(rule?.verbs, `${plural}.${group}`).to.include.members(['get', 'list', 'watch']);
      }
    });

    it(`${provider}: a Canary without a field the provider requires is refused, naming it`, () => {
      const paths = validateCanary(canary(provider)).map((p) => p.path);
      for (const { path } of entry.requires ?? []) expect(paths, path).to.include(path);
    });
  }

  it('the CRD accepts exactly the providers of the table', () => {
    const spec = (flaggerCrds()['canary.yaml'] as any).spec.versions[0].schema.openAPIV3Schema.properties.spec;
    expect(spec.properties.provider.enum).to.deep.equal([...SUPPORTED_PROVIDERS]);
  });

  it('a provider that cannot route by weight needs no steps (always Blue/Green); the others do', () => {
    const noSteps = { analysis: { interval: '1m' } };
    for (const provider of SUPPORTED_PROVIDERS) {
      const refused = validateCanary(canary(provider, noSteps)).some((p) => p.message.includes('one of stepWeight, stepWeights or iterations'));
      expect(refused, provider).to.equal(PROVIDERS[provider].capabilities.weightedRouting);
    }
  });

  it("appmesh, in any of Flagger's spellings, is refused saying why (App Mesh ended), not with the enum's list", () => {
    for (const provider of ['appmesh', 'appmesh:v1beta2']) {
      const problems = validateCanary(canary(provider)).filter((p) => p.path === 'spec.provider');
      expect(
        problems.map((p) => p.message),
        provider,
      ).to.deep.equal([
        `unsupported value "${provider}": AWS ended App Mesh in September 2026, so Sluice does not serve it: move the Canary to another provider (gatewayapi:v1 or istio, for example)`,
      ]);
    }
    expect(validateCanary(canary('supergloo')).find((p) => p.path === 'spec.provider')?.message).to.match(
      /^unsupported value "supergloo": must be one of "istio"/,
    );
  });

  it('the operator refuses appmesh as its default provider (-mesh-provider) at start-up', () => {
    expect(() => defaultConfig({ SLUICE_PROVIDER: 'appmesh' })).to.throw(
      'SLUICE_PROVIDER (-mesh-provider) "appmesh" is refused: AWS ended App Mesh in September 2026',
    );
    expect(defaultConfig({ SLUICE_PROVIDER: 'skipper' }).provider).to.equal('skipper');
  });
});
