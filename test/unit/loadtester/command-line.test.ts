// Reading `cmd`: words, shell syntax, hey's flags, and the plan (built-in hey, shell, refusal).
import { expect } from 'chai';
import { splitWords } from '../../../src/loadtester/command-words.js';
import { parseHeyArgs } from '../../../src/loadtester/hey-options.js';
import { planTask } from '../../../src/loadtester/task-plan.js';

const hey = (cmd: string) => {
  const w = splitWords(cmd);
  if (!w.ok) throw new Error(w.reason);
  return parseHeyArgs(w.words.slice(1));
};

describe('load tester command lines', () => {
  it('splits words with quotes and escapes, and spots shell syntax', () => {
    expect(splitWords(`hey -H 'X-Canary: insider' -H "X-Other: a\\"b" http://x/`)).to.deep.equal({
      ok: true,
      words: ['hey', '-H', 'X-Canary: insider', '-H', 'X-Other: a"b', 'http://x/'],
    });
    expect(splitWords('hey  http://x/?a=1&b=2')).to.deep.include({ ok: false });
    expect(splitWords("hey 'http://x/?a=1&b=2'")).to.deep.equal({ ok: true, words: ['hey', 'http://x/?a=1&b=2'] });
    expect(splitWords("curl -sd 'test' http://podinfo-canary:9898/token | grep token")).to.deep.equal({ ok: false, reason: 'shell syntax |' });
    expect(splitWords('hey $(id)')).to.deep.equal({ ok: false, reason: 'shell syntax $' });
    expect(splitWords('echo "$HOME"')).to.deep.include({ ok: false });
    expect(splitWords("echo 'a")).to.deep.equal({ ok: false, reason: 'unbalanced single quote' });
    expect(splitWords('hey http://x/#frag')).to.deep.equal({ ok: true, words: ['hey', 'http://x/#frag'] });
  });

  it("reads the seeds' hey commands", () => {
    expect(hey('hey -z 2m -q 10 -c 2 http://podinfo-canary.test:9898/')).to.deep.equal({
      ok: true,
      options: {
        url: 'http://podinfo-canary.test:9898/',
        durationMs: 120_000,
        requests: 200,
        concurrency: 2,
        ratePerWorker: 10,
        method: 'GET',
        headers: {},
        timeoutMs: 20_000,
        keepAlive: true,
      },
    });
    const ab = hey("hey -z 1m -q 5 -c 5 -H 'X-Canary: insider' -host app.example.com http://gateway-proxy.gloo-system");
    expect(ab).to.deep.include({ ok: true });
    if (ab.ok) {
      expect(ab.options).to.deep.include({
        url: 'http://gateway-proxy.gloo-system/',
        host: 'app.example.com',
        concurrency: 5,
        ratePerWorker: 5,
        durationMs: 60_000,
      });
      expect(ab.options.headers).to.deep.equal({ 'X-Canary': 'insider' });
    }
  });

  it('reads -n, -m, -d, -T, -a, -t, -disable-keepalive and Go-style -flag=value', () => {
    const r = hey(`hey -n=30 -c 3 -m post -d '{"a":1}' -T application/json -a user:pw -t 0 -disable-keepalive https://x.test/p`);
    expect(r).to.deep.include({ ok: true });
    if (r.ok) {
      expect(r.options).to.deep.include({ requests: 30, concurrency: 3, method: 'POST', body: '{"a":1}', timeoutMs: 0, keepAlive: false });
      expect(r.options.headers).to.deep.equal({ 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from('user:pw').toString('base64')}` });
      expect(r.options).to.not.have.property('durationMs');
    }
  });

  it('refuses what it cannot honour, with the reason', () => {
    expect(hey('hey -x http://proxy:1 http://x/')).to.deep.equal({ ok: false, error: 'hey flag -x is not supported by the built-in load generator' });
    expect(hey('hey -zz 1m http://x/')).to.deep.equal({ ok: false, error: 'unknown hey flag -zz' });
    expect(hey('hey -z soon http://x/')).to.deep.include({ ok: false });
    expect(hey('hey -c 2')).to.deep.equal({ ok: false, error: 'hey needs exactly one URL, got none' });
    expect(hey('hey -n 1 -c 2 http://x/')).to.deep.equal({ ok: false, error: 'hey: -n cannot be less than -c' });
    expect(hey('hey -c 5000 http://x/')).to.deep.equal({ ok: false, error: 'hey flag -c is capped at 1000' });
    expect(hey('hey ftp://x/')).to.deep.include({ ok: false });
  });

  it('plans built-in load, shell commands only when allowed, and refusals', () => {
    const off = { allowShell: false };
    const on = { allowShell: true };
    expect(planTask({ cmd: 'hey -z 1m -q 10 -c 2 http://x/' }, off)).to.deep.include({ kind: 'load', synchronous: false });
    expect(planTask({ type: 'cmd', cmd: 'hey -n 10 -c 1 http://x/' }, off)).to.deep.include({ kind: 'load', synchronous: false });
    expect(planTask({ type: 'bash', cmd: 'hey -n 10 -c 1 http://x/' }, off)).to.deep.include({ kind: 'load', synchronous: true });

    const curl = "curl -sd 'test' http://podinfo-canary.test:9898/token | grep token";
    const refused = planTask({ type: 'bash', cmd: curl }, off);
    expect(refused).to.deep.include({ kind: 'refused', status: 403 });
    if (refused.kind === 'refused') expect(refused.message).to.include('shell commands are disabled').and.include('--allow-shell');
    expect(planTask({ cmd: 'sleep 1' }, off)).to.deep.include({ kind: 'refused', status: 403 });
    expect(planTask({ type: 'kubectl', cmd: 'get pods' }, off)).to.deep.include({ kind: 'refused', status: 403 });

    expect(planTask({ type: 'bash', cmd: curl }, on)).to.deep.equal({ kind: 'shell', command: curl, shell: 'bash', synchronous: true });
    expect(planTask({ cmd: 'sleep 1' }, on)).to.deep.equal({ kind: 'shell', command: 'sleep 1', shell: 'sh', synchronous: false });
    expect(planTask({ type: 'helmv3', cmd: 'test podinfo' }, on)).to.deep.equal({
      kind: 'shell',
      command: 'helmv3 test podinfo',
      shell: 'sh',
      synchronous: true,
    });

    expect(planTask({ type: 'cmd' }, on)).to.deep.equal({ kind: 'refused', status: 400, message: 'cmd not found in metadata' });
    expect(planTask({ type: 'tester', cmd: 'x' }, on)).to.deep.equal({ kind: 'refused', status: 400, message: 'unknown task type tester' });
    expect(planTask({ type: 'ngrinder', cmd: 'x' }, on)).to.deep.include({ kind: 'refused', status: 400 });
    expect(planTask({ cmd: 'hey -q fast http://x/' }, on)).to.deep.include({ kind: 'refused', status: 400 });
  });
});
