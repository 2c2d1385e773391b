// The committed CRDs are exactly what the schemas generate (one source of truth).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { renderCrds } from '../../../src/cli/crds.js';
import { flaggerCrds } from '../../../src/api/crds.js';

describe('CRDs', () => {
  for (const [file, text] of Object.entries(renderCrds())) {
    it(`crds/${file} matches src/api/schemas (run \`npx sluice crds\` after a schema change)`, () => {
      expect(readFileSync(`crds/${file}`, 'utf8')).to.equal(text);
    });
  }

  it('Canary shows Status, Weight and LastTransitionTime, the rest with -o wide', () => {
    const versions = (flaggerCrds()['canary.yaml'].spec as any).versions;
    const cols = versions[0].additionalPrinterColumns as { name: string; priority?: number }[];
    expect(cols.filter((c) => !c.priority).map((c) => c.name)).to.deep.equal(['Status', 'Weight', 'LastTransitionTime']);
    expect(cols.filter((c) => c.priority === 1).map((c) => c.name)).to.have.members([
      'Suspended',
      'FailedChecks',
      'Interval',
      'Mirror',
      'StepWeight',
      'StepWeights',
      'MaxWeight',
    ]);
    expect(versions[0].subresources).to.deep.equal({ status: {} });
  });

  it('schemas are structural: every object types its fields or says it preserves them', () => {
    const walk = (s: any, path: string): string[] => {
      if (!s || typeof s !== 'object') return [];
      const bad: string[] = [];
      // The apiserver's rule: a type, unless the node is int-or-string or keeps any value.
      if (!s.type && !s['x-kubernetes-int-or-string'] && !s['x-kubernetes-preserve-unknown-fields']) bad.push(`${path}: no type`);
      for (const [k, v] of Object.entries(s.properties ?? {})) bad.push(...walk(v, `${path}.${k}`));
      if (s.items) bad.push(...walk(s.items, `${path}[]`));
      if (s.additionalProperties && typeof s.additionalProperties === 'object') bad.push(...walk(s.additionalProperties, `${path}{}`));
      return bad;
    };
    for (const crd of Object.values(flaggerCrds())) {
      expect(walk((crd.spec as any).versions[0].schema.openAPIV3Schema, crd.metadata.name)).to.deep.equal([]);
    }
  });
});
