// Fields named like built-in object methods are fields like any other: unknown ones are reported,
// and in free-form maps they are ordinary keys.
import { expect } from 'chai';
import { validateDocument } from '../../../src/api/validate.js';

const canaryJson = (specExtra: string, analysisExtra = '') => `{
  "apiVersion": "flagger.app/v1beta1", "kind": "Canary", "metadata": {"name": "podinfo", "namespace": "test"},
  "spec": {
    "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
    "service": {"port": 9898},
    "analysis": {"interval": "30s", "stepWeight": 10, "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}${analysisExtra}}]}
    ${specExtra}
  }
}`;

describe('validation: keys named like object methods', () => {
  for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
    it(`reports an unknown field "${key}"`, () => {
      const problems = validateDocument(JSON.parse(canaryJson(`, "${key}": {"x": 1}`))) ?? [];
      expect(problems).to.deep.include({ path: `spec.${key}`, message: 'unknown field' });
    });
  }

  it('accepts them as keys of a free-form map', () => {
    const doc = JSON.parse(canaryJson('', ', "templateVariables": {"constructor": "a", "__proto__": "b", "toString": "c"}'));
    expect(validateDocument(doc)).to.deep.equal([]);
  });

  it('checks the value of a map key named like a method', () => {
    const doc = JSON.parse(canaryJson('', ', "templateVariables": {"constructor": 5}'));
    expect(validateDocument(doc)).to.deep.include({
      path: 'spec.analysis.metrics[0].templateVariables.constructor',
      message: 'must be a string, got integer 5',
    });
  });
});
