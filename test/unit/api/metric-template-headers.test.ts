// MetricTemplate spec.provider.headers: Flagger's form (a list of values per header, Go's
// http.Header) and a single string are both accepted, by the CRD's schema and by validation.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { validateMetricTemplate } from '../../../src/api/validate.js';
import { formatProblem } from '../../../src/api/problem.js';

function template(headers: unknown): Record<string, unknown> {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'latency', namespace: 'test' },
    spec: { provider: { type: 'prometheus', address: 'http://mimir.monitoring/prometheus', headers }, query: 'vector(1)' },
  };
}

const problemsOf = (headers: unknown) => validateMetricTemplate(template(headers)).map(formatProblem);

describe('api: MetricTemplate provider headers', () => {
  it("accepts Flagger's list form, one or several values", () => {
    expect(problemsOf({ 'X-Scope-OrgID': ['tenant-a'] })).to.deep.equal([]);
    expect(problemsOf({ 'X-Scope-OrgID': ['tenant-a', 'tenant-b'], Accept: [] })).to.deep.equal([]);
  });

  it('accepts a single string', () => {
    expect(problemsOf({ 'X-Scope-OrgID': 'tenant-a' })).to.deep.equal([]);
  });

  it('refuses anything else, naming the header', () => {
    expect(problemsOf({ 'X-Scope-OrgID': 7 })).to.deep.equal(['spec.provider.headers.X-Scope-OrgID: must be a string or a list of strings, got a number']);
    expect(problemsOf({ 'X-Scope-OrgID': ['a', 1] })).to.deep.equal([
      'spec.provider.headers.X-Scope-OrgID: must be a string or a list of strings, got a list with other values',
    ]);
    expect(problemsOf({ 'X-Scope-OrgID': { a: 'b' } })).to.deep.equal([
      'spec.provider.headers.X-Scope-OrgID: must be a string or a list of strings, got an object',
    ]);
  });

  it('refuses a header name or value that cannot go on the wire', () => {
    expect(problemsOf({ 'X Scope': 'a' })).to.deep.equal(['spec.provider.headers.X Scope: is not a valid HTTP header name']);
    expect(problemsOf({ 'X-Scope-OrgID': ['a\r\nHost: evil'] })).to.deep.equal(['spec.provider.headers.X-Scope-OrgID: must not contain a line break or NUL']);
  });

  it('the CRD keeps any value for a header (a structural schema cannot say "string or list")', () => {
    const crd = parse(readFileSync('crds/metrictemplate.yaml', 'utf8'));
    const headers = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.provider.properties.headers;
    expect(headers.type).to.equal('object');
    expect(headers.additionalProperties['x-kubernetes-preserve-unknown-fields']).to.equal(true);
    expect(headers.additionalProperties).not.to.have.property('type');
  });
});
