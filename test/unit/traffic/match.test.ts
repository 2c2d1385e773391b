import { expect } from 'chai';
import { condHolds, matchingRequest, parseCookies, plainRequest, sampleForRegex, satisfy, selectRule } from '../../traffic/match.js';
import type { Rule, SimRoute } from '../../traffic/types.js';

const b = (service: string, weight = 100) => ({ service, namespace: 'test', weight });

describe('traffic/match', () => {
  it('evaluates header, cookie, path and query conditions', () => {
    const req = plainRequest();
    req.headers['x-canary'] = 'insider';
    req.headers['cookie'] = 'a=1; canary=always';
    req.query.v = '2';
    expect(condHolds(req, { field: 'header', name: 'x-canary', op: 'exact', value: 'insider' })).to.equal(true);
    expect(condHolds(req, { field: 'header', name: 'x-canary', op: 'exact', value: 'other' })).to.equal(false);
    expect(condHolds(req, { field: 'header', name: 'x-canary', op: 'regex', value: '.*ins.*' })).to.equal(true);
    expect(condHolds(req, { field: 'header', name: 'x-canary', op: 'regex', value: 'ins' })).to.equal(false, 'regexes match the whole value');
    expect(condHolds(req, { field: 'header', name: 'x-other', op: 'absent' })).to.equal(true);
    expect(condHolds(req, { field: 'cookie', name: 'canary', op: 'exact', value: 'always' })).to.equal(true);
    expect(condHolds(req, { field: 'path', op: 'prefix', value: '/' })).to.equal(true);
    expect(condHolds(req, { field: 'path', op: 'prefix', value: '/api' })).to.equal(false);
    expect(condHolds(req, { field: 'query', name: 'v', op: 'exact', value: '2' })).to.equal(true);
    expect(parseCookies('a=1; b = 2')).to.deep.equal({ a: '1', b: '2' });
  });

  it('finds a value for the regexes Flagger users write', () => {
    for (const re of ['^(.*?;)?(canary=always)(;.*)?$', '.*insider.*', '^insider$', '(insider|beta)', 'insider', '^(.*?;)?(type=insider)(;.*)?$']) {
      const v = sampleForRegex(re);
      expect(v, re).to.be.a('string');
      expect(new RegExp(`^(?:${re})$`).test(v!), `${re} vs ${v}`).to.equal(true);
    }
  });

  it('builds a request that satisfies a match (A/B testing)', () => {
    const req = plainRequest();
    expect(
      satisfy(req, {
        conds: [
          { field: 'header', name: 'x-canary', op: 'exact', value: 'insider' },
          { field: 'header', name: 'cookie', op: 'regex', value: '^(.*?;)?(canary=always)(;.*)?$' },
        ],
      }),
    ).to.equal(true);
    expect(req.headers['x-canary']).to.equal('insider');
    expect(req.headers['cookie']).to.match(/canary=always/);
    expect(satisfy(plainRequest(), { conds: [{ field: 'header', name: 'x', op: 'not-exact', value: 'y' }] })).to.equal(true);
  });

  it('first-match routes pick the first accepting rule; unmatched requests find no rule', () => {
    const rules: Rule[] = [
      { matches: [{ conds: [{ field: 'header', name: 'x-canary', op: 'exact', value: 'insider' }] }], backends: [b('canary')] },
      { matches: [], backends: [b('primary')] },
    ];
    const route = { rules, selection: 'first' as const };
    const ab = plainRequest();
    ab.headers['x-canary'] = 'insider';
    expect(selectRule(route, ab)).to.equal(0);
    expect(selectRule(route, plainRequest())).to.equal(1);
    expect(selectRule({ rules: [rules[0]], selection: 'first' }, plainRequest())).to.equal(-1);
  });

  it('specific-match routes (Gateway API, Contour) prefer the rule with more header matches, whatever the order', () => {
    const rules: Rule[] = [
      { matches: [{ conds: [{ field: 'path', op: 'prefix', value: '/' }] }], backends: [b('primary')] },
      {
        matches: [
          {
            conds: [
              { field: 'path', op: 'prefix', value: '/' },
              { field: 'header', name: 'x-canary', op: 'exact', value: 'insider' },
            ],
          },
        ],
        backends: [b('canary')],
      },
    ];
    const ab = plainRequest();
    ab.headers['x-canary'] = 'insider';
    expect(selectRule({ rules, selection: 'specific' }, ab)).to.equal(1);
    expect(selectRule({ rules, selection: 'specific' }, plainRequest())).to.equal(0);
    expect(selectRule({ rules, selection: 'first' }, ab)).to.equal(0);
  });

  it('matchingRequest uses the first header/cookie match of the route, or none', () => {
    const route = {
      rules: [
        { matches: [{ conds: [{ field: 'header', name: 'x-canary', op: 'exact', value: 'insider' }] }], backends: [b('c')] },
        { matches: [], backends: [b('p')] },
      ],
    } as Pick<SimRoute, 'rules'>;
    expect(matchingRequest(route)?.headers['x-canary']).to.equal('insider');
    expect(matchingRequest({ rules: [{ matches: [], backends: [b('p')] }] })).to.equal(undefined);
  });
});
