import { expect } from 'chai';
import { parseDuration, formatDuration, isDuration } from '../../../src/api/duration.js';

describe('Go durations', () => {
  const cases: [string, number][] = [
    ['30s', 30_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['2m30s', 150_000],
    ['0', 0],
    ['100us', 0.1],
    ['.5s', 500],
  ];
  for (const [text, ms] of cases) it(`parses ${text}`, () => expect(parseDuration(text)).to.equal(ms));

  for (const bad of ['', '30', '1 m', 'm', '1d', '-5s', '1m-', 'soon']) {
    it(`rejects ${JSON.stringify(bad)} with the input quoted`, () => {
      expect(isDuration(bad)).to.equal(false);
      expect(() => parseDuration(bad)).to.throw(/invalid duration/);
    });
  }

  it('formats like Go', () => {
    expect([0, 500, 30_000, 90_000, 3_600_000, 5_400_000].map(formatDuration)).to.deep.equal(['0s', '500ms', '30s', '1m30s', '1h0m0s', '1h30m0s']);
  });
});
