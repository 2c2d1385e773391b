// The operator's V8 flags live in bin/node-flags.json, which the benchmarks read; the image's
// entrypoint must carry the same, or the figures in the README describe another process.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe("the operator's Node flags", () => {
  it("the image's entrypoint runs node with exactly bin/node-flags.json, then bin/sluice.js", () => {
    const flags = JSON.parse(readFileSync(`${root}bin/node-flags.json`, 'utf8')) as string[];
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(`${root}Dockerfile`, 'utf8'));
    expect(entrypoint, 'an exec-form ENTRYPOINT in the Dockerfile').to.not.equal(null);
    expect(JSON.parse(entrypoint![1])).to.deep.equal(['node', ...flags, '/app/bin/sluice.js']);
  });
});
