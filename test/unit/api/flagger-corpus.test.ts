// Flagger's own manifests (its documentation and e2e scripts, test/fixtures/flagger-corpus) are
// accepted by `sluice validate` and by the CRDs Sluice installs, as a Flagger user expects when
// switching operators. The only refusals are the ones listed below, each for something Sluice
// does not serve yet, and each refusal names its field.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { readManifests, type ManifestDoc } from '../../../src/io/manifests.js';
import { validateDocument } from '../../../src/api/validate.js';
import { formatProblem } from '../../../src/api/problem.js';
import { documentWarnings } from '../../../src/api/warnings.js';

const DIR = 'test/fixtures/flagger-corpus';

/**
 * Documents refused, by file and position in it, with the field each refusal must name: `validate`
 * for `sluice validate` (and the admission webhook), `crd` for the CRD's schema; a check not named
 * accepts the document.
 */
const EXPECTED_REFUSALS: Record<string, { why: string; validate?: string; crd?: string }> = {
  // App Mesh is refused for good (AWS ended it; providers.ts says why).
  'artifacts-examples-appmesh-canary.yaml#0': { why: 'App Mesh is retired', validate: 'spec.provider', crd: 'spec.provider' },
  'artifacts-examples-appmesh-abtest.yaml#0': { why: 'App Mesh is retired', validate: 'spec.provider', crd: 'spec.provider' },
  // The docs' CloudWatch example says flagger.app/v1alpha1, a version neither Flagger's CRD nor
  // Sluice's serves, so the apiserver refuses it; `sluice validate` checks it and warns.
  'docs-usage-metrics.yaml#4': { why: 'flagger.app/v1alpha1 is not served', crd: 'apiVersion' },
};

/** The CRD files as the apiserver gets them: the schema of each served version, by kind. */
function crdSchemas(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of ['canary.yaml', 'metrictemplate.yaml', 'alertprovider.yaml']) {
    const crd = parse(readFileSync(`crds/${file}`, 'utf8'));
    for (const v of crd.spec.versions) if (v.served) out.set(`${crd.spec.group}/${v.name}:${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
  }
  return out;
}

/**
 * The schema in JSON Schema terms, as the apiserver applies it to a `kubectl apply` (whose field
 * validation is strict by default): int-or-string is either, and a field an object does not
 * declare is refused rather than pruned.
 */
function asJsonSchema(node: any): any {
  if (!node || typeof node !== 'object') return node;
  const out: any = { ...node };
  if (node['x-kubernetes-int-or-string']) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  if (node.properties) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, asJsonSchema(v)]));
    if (!node.additionalProperties && !node['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (node.items) out.items = asJsonSchema(node.items);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') out.additionalProperties = asJsonSchema(node.additionalProperties);
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const crdValidators = new Map([...crdSchemas()].map(([key, schema]) => [key, ajv.compile(asJsonSchema(schema))]));

/** The CRD's refusals of one document, each as "<dotted path>: <message>"; none when it is accepted. */
function crdRefusals(doc: Record<string, unknown>): string[] {
  const validate = crdValidators.get(`${doc.apiVersion}:${doc.kind}`);
  if (!validate) return [`apiVersion: ${String(doc.apiVersion)} is not served for kind ${String(doc.kind)}`];
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => {
    const path = e.instancePath.split('/').slice(1).join('.');
    const extra = e.keyword === 'additionalProperties' ? `.${(e.params as { additionalProperty: string }).additionalProperty}` : '';
    return `${path}${extra}: ${e.message}`;
  });
}

const FLAGGER_KINDS = ['Canary', 'MetricTemplate', 'AlertProvider'];
const corpus: ManifestDoc[] = readManifests([DIR]).filter((d) => FLAGGER_KINDS.includes(String(d.object.kind)));
const keyOf = (d: ManifestDoc) => `${d.file.slice(DIR.length + 1)}#${d.index}`;

/** The operator's default provider the source ran with (Flagger's -mesh-provider), from the file's header. */
const meshProviderOf = (file: string): string | undefined => /^# Mesh provider: (\S+)/m.exec(readFileSync(file, 'utf8'))?.[1];

describe("Flagger's manifests (test/fixtures/flagger-corpus)", () => {
  it('holds the corpus: Canaries, MetricTemplates and AlertProviders, each file naming its source', () => {
    const kinds = new Set(corpus.map((d) => d.object.kind));
    expect([...kinds].sort()).to.deep.equal(['AlertProvider', 'Canary', 'MetricTemplate']);
    for (const file of new Set(corpus.map((d) => d.file))) {
      expect(readFileSync(file, 'utf8'), file).to.match(/^# Source: fluxcd\/flagger \S+ (@ [0-9a-f]{40}|\(the version the search index holds as file id \d+)/);
    }
  });

  it('lists only refusals that exist in the corpus', () => {
    const keys = new Set(corpus.map(keyOf));
    expect(Object.keys(EXPECTED_REFUSALS).filter((k) => !keys.has(k))).to.deep.equal([]);
  });

  for (const doc of corpus) {
    const key = keyOf(doc);
    const name = `${key} ${String(doc.object.kind)} ${String((doc.object.metadata as { name?: string })?.name)}`;
    const refusal = EXPECTED_REFUSALS[key];
    it(`${name}: ${refusal?.validate ? `refused (${refusal.why})` : 'accepted'} by sluice validate`, () => {
      const problems = (validateDocument(doc.object, meshProviderOf(doc.file)) ?? []).map(formatProblem);
      if (!refusal?.validate) expect(problems).to.deep.equal([]);
      else
        expect(
          problems.some((p) => p.startsWith(`${refusal.validate}:`)),
          problems.join('\n'),
        ).to.equal(true);
      // What the apiserver would refuse and `sluice validate` accepts is at least warned about.
      if (refusal?.crd && !refusal.validate) expect(documentWarnings(doc.object).map((w) => w.path)).to.include(refusal.crd);
    });
    it(`${name}: ${refusal?.crd ? `refused (${refusal.why})` : 'accepted'} by the CRD's schema`, () => {
      const problems = crdRefusals(doc.object);
      if (!refusal?.crd) expect(problems).to.deep.equal([]);
      else
        expect(
          problems.some((p) => p.startsWith(`${refusal.crd}:`)),
          problems.join('\n'),
        ).to.equal(true);
    });
  }
});
