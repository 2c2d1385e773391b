// Hostile flagger.app documents through validation and `sluice validate`'s YAML reading: keys
// named like Object.prototype's members at every level, duplicate keys, nesting 10,000+ deep,
// strings of megabytes, 1e308, NaN and -0, lists of 100,000 items and maps of 100,000 keys.
// Validation never throws and names the field of each problem, nothing reaches Object.prototype,
// and the work is bounded by the bounds (no size here takes the suite's timeout, quadratic would).
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readManifestFile, readManifests } from '../../../src/io/manifests.js';
import { validateDocument } from '../../../src/api/validate.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import { MAX_PROBLEMS_PER_CONTAINER } from '../../../src/api/structural-check.js';
import { validateFiles } from '../../../src/cli/validate.js';
import type { Problem } from '../../../src/api/problem.js';
import type { Canary } from '../../../src/api/types.js';
import { fuzzSeed } from './seed.js';
import { Rng } from './mutate.js';

const SEED = fuzzSeed('hostile validation fuzz');
const N = Number(process.env.SLUICE_FUZZ_HOSTILE_N ?? 100);

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'] as const;
const SPECIAL_NUMBERS = [1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, -0, NaN, Infinity, -Infinity, 2 ** 53 + 2, -(2 ** 31) - 1];

const seeds = readManifests(['test/fixtures/seeds'])
  .map((d) => d.object)
  .filter((o) => ['Canary', 'MetricTemplate', 'AlertProvider'].includes(String(o.kind)));

/** Sets an own, enumerable property, as JSON.parse and YAML do: `o.__proto__ = v` would set the prototype. */
function setOwn(o: object, key: string | number, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An object whose every key is one of Object.prototype's names, each trying to reach it. */
const prototypeKeys = (): unknown => JSON.parse(`{${PROTOTYPE_KEYS.map((k) => `"${k}":{"polluted":1,"prototype":{"polluted":1}}`).join(',')}}`);

/** `levels` objects or arrays inside each other, built without recursion. */
function deep(levels: number, rng: Rng): unknown {
  let v: unknown = rng.pick([1, 'x', prototypeKeys()]);
  for (let i = 0; i < levels; i++) {
    if (rng.next() < 0.5) v = [v];
    else {
      const o = {};
      setOwn(o, rng.pick(['a', ...PROTOTYPE_KEYS]), v);
      v = o;
    }
  }
  return v;
}

function wide(keys: number, rng: Rng): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < keys; i++) setOwn(o, `k${i}`, rng.pick([1, 'x', null, true]));
  for (const k of PROTOTYPE_KEYS) setOwn(o, k, { polluted: 1 });
  return o;
}

/** One hostile value. */
function hostile(rng: Rng): unknown {
  switch (rng.int(7)) {
    case 0:
      return prototypeKeys();
    case 1:
      return deep(10_000 + rng.int(20_000), rng);
    case 2:
      return rng.pick(['x', '1s', 'http://a', '\u00e9', '\u0000']).repeat(500_000 + rng.int(1_500_000));
    case 3:
      return rng.pick(SPECIAL_NUMBERS);
    case 4:
      return Array.from({ length: 100_000 }, () => rng.pick([1, 'x', null, { name: 'x' }, [1]]));
    case 5:
      return wide(1_000 + rng.int(9_000), rng);
    default:
      return rng.pick([{}, [], '', null, true, 0]);
  }
}

interface Node {
  readonly container: Record<string, unknown> | unknown[];
  readonly path: string;
}

/**
 * Every object and list of a document with its problem path ("spec.analysis.metrics[0]"), not
 * going into the hostile ones already set (past 64 levels or 1,000 entries).
 */
function containers(doc: unknown): Node[] {
  const out: Node[] = [];
  const stack: [unknown, string, number][] = [[doc, '', 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    out.push({ container: v as Node['container'], path });
    const keys = Object.keys(v);
    if (depth >= 64 || keys.length > 1000) continue;
    for (const k of keys) {
      stack.push([(v as Record<string, unknown>)[k], Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k, depth + 1]);
    }
  }
  return out;
}

/**
 * Whether `path` names a field of `doc`: one that is there, or one missing from an object of it
 * ("is required"), or one under a value of the wrong type (metadata.name when metadata is a list).
 */
function namesAField(doc: unknown, path: string): boolean {
  if (path === '(top level)') return true;
  let node: unknown = doc;
  let rest = path;
  while (rest !== '') {
    if (typeof node !== 'object' || node === null) return true;
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      if (!Array.isArray(node) || Number(index[1]) >= node.length) return false;
      node = node[Number(index[1])];
      rest = rest.slice(index[0].length).replace(/^\./, '');
      continue;
    }
    if (Array.isArray(node)) return true;
    // Keys may hold dots: take the longest own key that the path goes on from.
    const keys = Object.keys(node)
      .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))
      .sort((a, b) => b.length - a.length);
    if (!keys.length) return !/[.[]/.test(rest);
    node = (node as Record<string, unknown>)[keys[0]];
    rest = rest.slice(keys[0].length).replace(/^\./, '');
  }
  return true;
}

function checkProblems(problems: Problem[] | null, doc: unknown, what: string): void {
  if (problems === null) return;
  expect(problems, what).to.be.an('array');
  for (const p of problems) {
    expect(p.path, what).to.be.a('string').and.not.equal('');
    expect(p.message, what).to.be.a('string').and.not.equal('');
    expect(p.message.length, `${what}: ${p.path} message of ${p.message.length} characters`).to.be.below(400);
    expect(namesAField(doc, p.path), `${what}: ${p.path} names no field`).to.equal(true);
  }
}

const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
function expectPrototypeClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).to.deep.equal(prototypeBefore);
  expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  expect(Object.getPrototypeOf({})).to.equal(Object.prototype);
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-hostile-'));
let files = 0;
const file = (text: string) => {
  const p = join(dir, `doc${files++}.yaml`);
  writeFileSync(p, text);
  return p;
};

describe(`fuzz: ${N} hostile flagger.app documents through validation (seed ${SEED})`, function () {
  this.timeout(120_000);

  it('never throws, names a field in every problem, keeps messages short, and every valid Canary resolves', () => {
    const rng = new Rng(SEED);
    const kinds: Record<string, number> = {};
    for (let i = 0; i < N; i++) {
      const doc = structuredClone(rng.pick(seeds));
      for (let m = 1 + rng.int(3); m > 0; m--) {
        const { container } = rng.pick(containers(doc));
        const value = hostile(rng);
        const key = Array.isArray(container) ? rng.int(container.length + 1) : rng.pick([...Object.keys(container), ...PROTOTYPE_KEYS, 'k']);
        const kind = Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        setOwn(container, key, value);
      }
      const what = `doc ${i} (SLUICE_FUZZ_SEED=${SEED})`;
      let problems: Problem[] | null = null;
      expect(() => {
        problems = validateDocument(doc);
      }, what).to.not.throw();
      checkProblems(problems, doc, what);
      if (problems !== null && (problems as Problem[]).length === 0 && doc.kind === 'Canary') {
        // Validation found nothing wrong with it, so it is a Canary.
        const canary = doc as unknown as Canary;
        expect(() => resolveCanary(canary), what).to.not.throw();
      }
    }
    console.log(
      `      values set: ${Object.entries(kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    expectPrototypeClean();
  });

  it('a key named like an Object.prototype member, added at any level of any seed, is reported there or is a map key', () => {
    let reported = 0;
    let inMaps = 0;
    for (const seed of seeds) {
      const before = new Set((validateDocument(seed) ?? []).map((p) => `${p.path}: ${p.message}`));
      for (const { path } of containers(seed)) {
        for (const key of PROTOTYPE_KEYS) {
          const doc = structuredClone(seed);
          const node = containers(doc).find((n) => n.path === path)!;
          if (Array.isArray(node.container)) continue;
          setOwn(node.container, key, { polluted: 1 });
          const added = (validateDocument(doc) ?? []).filter((p) => !before.has(`${p.path}: ${p.message}`));
          const at = path ? `${path}.${key}` : key;
          // Only the new field is concerned: unknown, or a map value of the wrong shape.
          for (const p of added)
            expect(
              [at, `${at}.`, `${at}[`].some((x) => p.path === at || p.path.startsWith(x)),
              `${seed.kind} ${at}: ${p.path}: ${p.message}`,
            ).to.equal(true);
          if (added.length) reported++;
          else inMaps++;
        }
      }
    }
    console.log(`      ${reported} reported where they were added, ${inMaps} accepted in free-form maps`);
    expect(reported).to.be.greaterThan(100);
    expectPrototypeClean();
  });

  it('lists of 1,000,000 wrong items and maps of 100,000 wrong entries: the first entries with problems and one line for the rest', () => {
    const canary = structuredClone(seeds.find((s) => s.kind === 'Canary')!) as any;
    canary.spec.service.hosts = Array(1_000_000).fill(1);
    canary.spec.analysis.metrics = Array(100_000).fill({ name: 'x' });
    canary.spec.analysis.webhooks = Array(100_000).fill({ name: 'w', url: 'nope' });
    canary.spec.extra = wide(100_000, new Rng(SEED));
    canary.metadata.labels = wide(100_000, new Rng(SEED));
    const problems = validateDocument(canary)!;
    const at = (path: string) => problems.filter((p) => p.path === path || p.path.startsWith(`${path}[`) || p.path.startsWith(`${path}.`));
    expect(at('spec.service.hosts')).to.have.length(MAX_PROBLEMS_PER_CONTAINER + 1);
    expect(at('spec.service.hosts').at(-1)).to.deep.equal({
      path: 'spec.service.hosts',
      message: `has more entries with problems than the ${MAX_PROBLEMS_PER_CONTAINER} listed`,
    });
    expect(at('spec.analysis.metrics')).to.deep.equal([{ path: 'spec.analysis.metrics', message: 'must have at most 20 items, got 100000' }]);
    expect(at('spec.analysis.webhooks')).to.deep.equal([{ path: 'spec.analysis.webhooks', message: 'must have at most 20 items, got 100000' }]);
    expect(at('spec.extra')).to.deep.equal([{ path: 'spec.extra', message: 'unknown field' }]);
    // spec's own fields are still all checked: one unknown field among them changes nothing else.
    expect(problems.length).to.be.below(4 * (MAX_PROBLEMS_PER_CONTAINER + 1));
    expectPrototypeClean();
  });

  it('values 30,000 deep, strings of 4 MB and 1e308, NaN, Infinity and -0 in typed fields: short messages naming the field', () => {
    const canary = structuredClone(seeds.find((s) => s.kind === 'Canary')!) as any;
    const rng = new Rng(SEED);
    canary.spec.service.port = deep(30_000, rng);
    canary.spec.analysis.interval = 'x'.repeat(4_000_000);
    canary.spec.analysis.stepWeight = NaN;
    canary.spec.analysis.threshold = 1e308;
    canary.spec.analysis.maxWeight = Infinity;
    canary.spec.progressDeadlineSeconds = -0;
    canary.apiVersion = deep(30_000, rng);
    canary.metadata.name = 'n'.repeat(4_000_000);
    const problems = validateDocument(canary)!;
    checkProblems(problems, canary, 'typed fields');
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['spec.service.port']).to.match(/^must be an integer, got (object|array) [{[]/);
    expect(byPath['spec.analysis.interval']).to.equal(`invalid duration "${'x'.repeat(37)}...": use Go syntax such as 30s, 1m or 1h30m`);
    expect(byPath['spec.analysis.stepWeight']).to.equal('must be a number, got number NaN');
    expect(byPath['spec.analysis.threshold']).to.equal('must be at most 1000, got 1e+308');
    expect(byPath['spec.analysis.maxWeight']).to.equal('must be a number, got number Infinity');
    expect(byPath['spec.progressDeadlineSeconds']).to.equal('must be greater than 0, got 0');
    expect(byPath.apiVersion).to.match(/^must be a string, got (object|array) /);

    const template = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'MetricTemplate',
      metadata: { name: deep(30_000, rng) },
      spec: { provider: { type: 'prometheus', address: 'http://'.concat('a'.repeat(4_000_000)) }, query: 'up' },
    };
    checkProblems(validateDocument(template), template, 'MetricTemplate');
  });
});

describe(`fuzz: hostile YAML through sluice validate (seed ${SEED})`, function () {
  // YAML is parsed at some 100,000 lines a second on a quiet machine; this one is shared.
  this.timeout(120_000);

  it('a key repeated at any level, in YAML or in JSON syntax, is refused naming the key and its line', () => {
    const rng = new Rng(SEED ^ 0x5a5a);
    for (let i = 0; i < 60; i++) {
      const doc = structuredClone(rng.pick(seeds));
      const { container } = rng.pick(containers(doc).filter((n) => !Array.isArray(n.container)));
      const existing = Object.keys(container);
      const again = existing.length > 0 && rng.next() < 0.7;
      const key = again ? rng.pick(existing) : rng.pick(PROTOTYPE_KEYS);
      // Placeholders, written out and then renamed to the key: the second is the repeat.
      if (!again) setOwn(container, 'REPEAT0', 1);
      setOwn(container, 'REPEAT1', 2);
      const json = rng.next() < 0.5;
      const written = json ? JSON.stringify(doc, null, 1) : stringify(doc, { lineWidth: 0 });
      const line = written.split('\n').findIndex((l) => l.includes('REPEAT1')) + 1;
      const p = file(written.replace(/"?REPEAT[01]"?:/g, `${JSON.stringify(key)}:`));
      expect(() => readManifestFile(p), `${json ? 'JSON' : 'YAML'} ${p}`).to.throw(
        `${p}: map keys must be unique: ${JSON.stringify(key)} repeats at line ${line}, column`,
      );
    }
  });

  it('a mapping of 100,000 keys with one repeat at its end is refused (one pass; comparing pairs took 13 s for 40,000)', () => {
    const lines = ['kind: ConfigMap', 'data:'];
    for (let i = 0; i < 100_000; i++) lines.push(`  k${i}: v`);
    lines.push('  k7: again');
    const p = file(lines.join('\n'));
    expect(() => readManifestFile(p)).to.throw(`${p}: map keys must be unique: "k7" repeats at line 100003, column 3`);
  });

  it('YAML .nan, .inf, -0, 1e308, a 100,000-item list and a 1 MB string: every problem reported by field, none thrown', () => {
    const text = [
      'apiVersion: flagger.app/v1beta1',
      'kind: Canary',
      'metadata: {name: podinfo, namespace: test}',
      'spec:',
      '  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}',
      '  progressDeadlineSeconds: .nan',
      '  service: {port: -0, targetPort: .inf}',
      `  skipAnalysis: ${'y'.repeat(1_000_000)}`,
      '  analysis:',
      `    interval: ${'9'.repeat(400)}s`,
      '    stepWeight: 1e308',
      '    threshold: -.inf',
      '    maxWeight: 1e309',
      '    stepWeights:',
      ...Array(100_000).fill('      - 1'),
    ].join('\n');
    const report = validateFiles([file(text)]);
    expect(report.invalid).to.equal(1);
    const lines = report.lines.slice(1).map((l) => l.trim());
    expect(lines).to.include.members([
      'spec.progressDeadlineSeconds: must be an integer, got number NaN',
      'spec.service.port: must be at least 1, got 0',
      'spec.service.targetPort: must be an integer or a string, got number',
      'spec.analysis.stepWeight: must be between 1 and 100, got 1e+308',
      'spec.analysis.threshold: must be an integer, got number -Infinity',
      'spec.analysis.maxWeight: must be a number, got number Infinity',
      'spec.analysis.stepWeights: must have at most 100 items, got 100000',
      `spec.skipAnalysis: must be a boolean, got string "${'y'.repeat(37)}..."`,
      `spec.analysis.interval: must be at most 2562047h47m16.855s (Go's longest duration), got "${'9'.repeat(37)}..."`,
    ]);
    for (const line of lines) expect(line.length).to.be.below(400);
  });

  it('nesting 10,000 deep, and an alias bomb: refused naming the file, not a crash', () => {
    for (const [open, close] of [
      ['[', ']'],
      ['{a: ', '}'],
    ]) {
      const p = file(`apiVersion: flagger.app/v1beta1\nkind: Canary\nspec:\n  service: ${open.repeat(10_000)}1${close.repeat(10_000)}\n`);
      expect(() => validateFiles([p])).to.throw(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (document 1: )?nested too deeply to read`));
    }
    const bomb = ['kind: Canary', 'a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const p = file(bomb.join('\n'));
    expect(() => validateFiles([p])).to.throw(`${p}: document 1: Excessive alias count indicates a resource exhaustion attack`);
  });

  it('keys named like Object.prototype members at every level of a YAML document: reported, nothing polluted', () => {
    const keys = PROTOTYPE_KEYS.map((k) => `${k}: {polluted: 1}`);
    const indent = (n: number) => keys.map((k) => `${' '.repeat(n)}${k}`);
    const text = [
      'apiVersion: flagger.app/v1beta1',
      'kind: Canary',
      ...indent(0),
      'metadata: {name: podinfo}',
      'spec:',
      ...indent(2),
      '  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}',
      '  service:',
      ...indent(4),
      '    port: 9898',
      '  analysis:',
      ...indent(4),
      '    interval: 1m',
      '    stepWeight: 10',
      '    metrics:',
      '      - name: request-success-rate',
      ...indent(8),
      '        thresholdRange: {min: 99}',
    ].join('\n');
    const report = validateFiles([file(text)]);
    for (const prefix of ['', 'spec.', 'spec.service.', 'spec.analysis.', 'spec.analysis.metrics[0].']) {
      for (const k of PROTOTYPE_KEYS) expect(report.lines, `${prefix}${k}`).to.include(`  ${prefix}${k}: unknown field`);
    }
    expectPrototypeClean();
  });
});
