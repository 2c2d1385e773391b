// Every MetricTemplate of Flagger's metrics documentation validates in Sluice, unchanged.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateMetricTemplate } from '../../../src/api/validate.js';
import { METRIC_BACKEND_TYPES } from '../../../src/analysis/backends/backend.js';

const DIR = 'test/fixtures/flagger-metric-templates';

describe("Flagger's documented MetricTemplates", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
  for (const file of files) {
    it(`${file}: every template validates`, () => {
      const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => d.toJS());
      expect(docs.length).to.be.greaterThan(0);
      for (const doc of docs) expect(validateMetricTemplate(doc), `${file} ${doc.metadata.name}`).to.deep.equal([]);
    });
  }

  it('cover every backend the docs show (all but externalmetrics, which has no section there)', () => {
    const types = new Set(files.flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS().spec.provider.type)));
    expect([...types].sort()).to.deep.equal(METRIC_BACKEND_TYPES.filter((t) => t !== 'externalmetrics').sort());
  });
});

describe('docs/metrics pages', () => {
  for (const file of readdirSync('docs/metrics').filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    it(`${file}: its template validates and is of its page's type`, () => {
      const text = readFileSync(join('docs/metrics', file), 'utf8');
      const block = /```yaml\n([\s\S]*?)```/.exec(text)?.[1];
      const doc = parseAllDocuments(block ?? '')[0]?.toJS();
      expect(doc?.spec?.provider?.type).to.equal(file.replace(/\.md$/, ''));
      expect(validateMetricTemplate(doc)).to.deep.equal([]);
    });
  }
});
