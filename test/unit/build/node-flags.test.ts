// The operator's V8 flags live in bin/node-flags.json, which the benchmarks read; the image's
// entrypoint must carry the same, or the figures in the README describe another process.
// They turn off optimizing compilers (README, Benchmarks): a Node whose undici parser could not
// be compiled without them would break every API call, so a child Node with exactly these flags
// must still fetch over HTTP.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const flags = JSON.parse(readFileSync(`${root}bin/node-flags.json`, 'utf8')) as string[];

/** Serves one response with a header and a body over loopback and fetches it (undici's wasm HTTP parser). */
const FETCH_ONCE = `
const http = require('node:http');
const server = http.createServer((req, res) => { res.setHeader('x-sluice', 'yes'); res.end('x'.repeat(70000)); });
server.listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/');
  const body = await res.text();
  console.log(JSON.stringify({ status: res.status, header: res.headers.get('x-sluice'), length: body.length }));
  server.close();
});`;

describe("the operator's Node flags", () => {
  it("the image's entrypoint runs node with exactly bin/node-flags.json, then bin/sluice.js", () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(`${root}Dockerfile`, 'utf8'));
    expect(entrypoint, 'an exec-form ENTRYPOINT in the Dockerfile').to.not.equal(null);
    expect(JSON.parse(entrypoint![1])).to.deep.equal(['node', ...flags, '/app/bin/sluice.js']);
  });

  it('leave fetch working: Node with exactly these flags parses an HTTP response', () => {
    const child = spawnSync(process.execPath, [...flags, '-e', FETCH_ONCE], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr, 'nothing on stderr').to.equal('');
    expect(JSON.parse(child.stdout)).to.deep.equal({ status: 200, header: 'yes', length: 70000 });
  });
});
