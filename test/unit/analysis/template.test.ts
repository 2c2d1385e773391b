// MetricTemplate rendering: Flagger's names, variables.X, trim markers, and errors that name what is missing.
import { expect } from 'chai';
import { renderQuery, TemplateError, type QueryModel } from '../../../src/analysis/template.js';

const model: QueryModel = {
  name: 'podinfo',
  namespace: 'test',
  target: 'podinfo-target',
  service: 'podinfo-svc',
  ingress: 'podinfo-ing',
  route: 'podinfo-route',
  interval: '1m',
  variables: { direction: 'inbound', code: '404' },
};

describe('query templates', () => {
  it('renders every name, with or without spaces inside the braces', () => {
    const out = renderQuery('{{name}} {{ namespace }} {{  target  }} {{ service }} {{ingress}} {{ route }} [{{ interval }}]', model);
    expect(out).to.equal('podinfo test podinfo-target podinfo-svc podinfo-ing podinfo-route [1m]');
  });

  it('renders templateVariables as variables.X', () => {
    expect(renderQuery('direction="{{ variables.direction }}",code!="{{variables.code}}"', model)).to.equal('direction="inbound",code!="404"');
  });

  it('keeps the text around actions byte for byte, newlines included', () => {
    const text = '100 - sum(\n  rate(x{ns="{{ namespace }}"}[{{ interval }}])\n)\n';
    expect(renderQuery(text, model)).to.equal('100 - sum(\n  rate(x{ns="test"}[1m])\n)\n');
  });

  it('an unknown name is an error naming it, not an empty string', () => {
    expect(() => renderQuery('x{app="{{ app }}"}', model)).to.throw(TemplateError, /unknown template variable "app"/);
  });

  it('a variable missing from templateVariables is an error naming it and the ones that are set', () => {
    expect(() => renderQuery('{{ variables.region }}', model)).to.throw(
      TemplateError,
      /template variable "region" is not set in templateVariables \(set: direction, code\)/,
    );
    expect(() => renderQuery('{{ variables.region }}', { ...model, variables: {} })).to.throw(/none set/);
  });

  it('trims whitespace like Go for {{- and -}}', () => {
    expect(renderQuery('a  \n {{- namespace -}} \n  b', model)).to.equal('atestb');
    expect(renderQuery('a {{ namespace }} b', model)).to.equal('a test b');
  });

  it("supports Skipper's {{- $route := printf ... }} form", () => {
    const t = '{{- $route := printf "kube_%s__%s_canary__%s" namespace ingress service }}\nroute=~"{{ $route }}"';
    expect(renderQuery(t, model)).to.equal('\nroute=~"kube_test__podinfo-ing_canary__podinfo-svc"');
  });

  it('rejects template logic it does not implement, quoting the action', () => {
    expect(() => renderQuery('{{ if eq namespace "test" }}x{{ end }}', model)).to.throw(
      TemplateError,
      /unsupported template action \{\{ if eq namespace "test" \}\}/,
    );
    expect(() => renderQuery('{{ namespace | upper }}', model)).to.throw(TemplateError, /unsupported/);
    expect(() => renderQuery('{{ $undefined }}', model)).to.throw(TemplateError, /undefined template variable \$undefined/);
    expect(() => renderQuery('sum(x{{ namespace ', model)).to.throw(TemplateError, /unclosed action/);
  });

  it('leaves a comment out', () => {
    expect(renderQuery('a{{/* why */}}b', model)).to.equal('ab');
  });
});
