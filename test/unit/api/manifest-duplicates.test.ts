// Reading manifests: a repeated key is refused with its line, and the check is linear, so a
// mapping of tens of thousands of keys reads in well under a second (yaml's own check compares
// every key with every other: 40,000 keys took 13 s and more).
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifestFile } from '../../../src/io/manifests.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-manifests-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('manifests: duplicate keys', () => {
  it('refuses a repeated key, naming it, its line and column', () => {
    const p = file('dup.yaml', 'kind: Canary\nmetadata:\n  name: a\n  name: b\n');
    expect(() => readManifestFile(p)).to.throw(`${p}: map keys must be unique: "name" repeats at line 4, column 3`);
  });

  it('refuses a repeated key in any document, nested anywhere, also in a flow mapping', () => {
    const p = file('dup2.yaml', 'kind: A\n---\nkind: B\nspec:\n  list:\n    - {x: 1, y: 2, x: 3}\n');
    expect(() => readManifestFile(p)).to.throw(`${p}: map keys must be unique: "x" repeats at line 6, column 20`);
  });

  it('keeps keys that only look alike apart (1 and "1")', () => {
    const p = file('alike.yaml', 'kind: A\ndata:\n  1: a\n  "1": b\n');
    expect(readManifestFile(p)[0].object.data).to.deep.equal({ 1: 'b' });
  });

  // No time is asserted (machines differ; speed belongs to benchmarks): the quadratic check this
  // replaced took 13-28 s here, past the suite's per-test timeout on a loaded machine.
  it('reads a mapping of 40,000 keys', () => {
    const lines = ['kind: ConfigMap', 'data:'];
    for (let i = 0; i < 40_000; i++) lines.push(`  k${i}: v${i}`);
    const p = file('big.yaml', lines.join('\n'));
    const [doc] = readManifestFile(p);
    expect(Object.keys(doc.object.data as object)).to.have.length(40_000);
  });
});
