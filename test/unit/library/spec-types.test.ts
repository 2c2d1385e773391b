// The construct library's spec types are generated from the schemas that make crds/, so the props a
// user types and the CRD the apiserver checks cannot drift apart, and every optional field says
// what leaving it out means.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { specTypes } from '../../../src/library/spec-types-source.js';
import { DOCUMENTED_DEFAULTS } from '../../../src/library/documented-defaults.js';
import { schemaOfKind } from '../../../src/api/crds.js';
import type { JSONSchema } from '../../../src/api/schema.js';

describe('library spec types', () => {
  const generated = specTypes();

  it('src/library/spec-types.ts is what src/api/schemas generate (run `npm run library-types` after a schema change)', () => {
    expect(readFileSync('src/library/spec-types.ts', 'utf8')).to.equal(generated.source);
  });

  it('declares one interface per object schema, with its fields and exactly its required ones', () => {
    const objects = new Set<JSONSchema>();
    const walk = (s: JSONSchema): void => {
      if (s.properties && Object.keys(s.properties).length > 0) {
        if (objects.has(s)) return;
        objects.add(s);
        Object.values(s.properties).forEach(walk);
      }
      if (s.items) walk(s.items);
      if (s.additionalProperties) walk(s.additionalProperties);
    };
    for (const kind of ['Canary', 'MetricTemplate', 'AlertProvider']) walk(schemaOfKind(kind)!.properties!.spec);
    for (const schema of objects) {
      const name = generated.interfaces.get(schema);
      expect(name, `no interface for ${Object.keys(schema.properties!).join(', ')}`).to.be.a('string');
      const body = new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(generated.source)![1];
      const fields = [...body.matchAll(/^ {2}readonly (\S+?)(\?)?: /gm)].map((m) => `${m[1]}${m[2] ?? ''}`);
      const required = new Set(schema.required ?? []);
      expect(fields, name).to.deep.equal(Object.keys(schema.properties!).map((k) => (required.has(k) ? k : `${k}?`)));
    }
    expect(objects.size).to.be.greaterThan(20);
  });

  it('every documented default names a field that exists', () => {
    const seen = new Set(generated.paths);
    expect(Object.keys(DOCUMENTED_DEFAULTS).filter((p) => !seen.has(p))).to.deep.equal([]);
  });

  it('every optional field has a doc comment ending in @default, every field a doc comment', () => {
    const lines = generated.source.split('\n');
    const undocumented: string[] = [];
    lines.forEach((line, i) => {
      const field = /^ {2}readonly (\S+?)(\?)?: /.exec(line);
      if (!field) return;
      if (lines[i - 1].trim() !== '*/') undocumented.push(`${field[1]}: no doc comment`);
      else if (field[2] && !lines[i - 2].includes('@default ')) undocumented.push(`${field[1]}: no @default`);
    });
    expect(undocumented).to.deep.equal([]);
  });

  it('types enums as literal unions and required fields as required', () => {
    expect(generated.source).to.match(/readonly provider\?: 'istio' \| 'linkerd' \|/);
    expect(generated.source).to.match(/export interface CanarySpecTargetRef \{[^}]*readonly kind: 'Deployment' \| 'DaemonSet' \| 'Service';/);
    expect(generated.source).to.match(/export interface CanarySpecService \{[^}]*readonly port: number;/);
    expect(generated.source).to.include("readonly type: 'slack' | 'msteams' | 'discord' | 'rocket' | 'gchat';");
  });
});
