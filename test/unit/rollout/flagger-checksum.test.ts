// Flagger's checksum of a tracked config (issue #14, takeover). The expected values were computed
// with Go 1.26 itself: sha256 of encoding/json's Marshal of the map, first 8 bytes in hex, as
// fluxcd/flagger pkg/canary/config_tracker.go does.
import { expect } from 'chai';
import { flaggerChecksum, flaggerChecksums, goJsonOfStringMap } from '../../../src/rollout/flagger-checksum.js';

describe('Flagger config checksum (Go json.Marshal + sha256)', () => {
  const golden: [string, Record<string, string> | undefined, string][] = [
    ['one key', { color: 'blue' }, 'f234cb93c08ad64e'],
    ['another value', { color: 'green' }, 'b1c0d2a81c6839b3'],
    ['a file with newlines', { 'app.conf': 'color=blue\nsize=10\n' }, '2face766c999d09c'],
    ['HTML-safe escapes, quotes, backslash, tab, CR', { 'b.html': '<a href="x">&amp;</a>', 'a.txt': 'tab\there\nline\r\\' }, '5b2d388b6e59c3f6'],
    ['non-ASCII kept, U+2028/U+2029 escaped, DEL kept', { k: 'héllo \u2028 \u2029 ✓ 😀 \u007f' }, 'f81d24d164f4dcb8'],
    ['control characters, \\b and \\f as Go 1.22+ writes them', { k: '\x00\x01\x1f\b\f' }, '02106a1e862417ff'],
    ['a Secret: base64 values as the API sends them', { password: 'czNjcjN0', user: 'YWRtaW4=' }, '0b66b4a1026df054'],
    ['keys in byte order', { b: '2', a: '1', B: '3', _: '4', '-x': '5', '.y': '6' }, '4917d4b9449563d7'],
    ['keys in UTF-8 byte order, not UTF-16', { k: '😀', '\uE000': 'bmp-private', '😀': 'astral' }, '68c787a4021e4e7f'],
    ['no data (nil map: null)', undefined, '74234e98afe7498f'],
  ];
  for (const [what, data, sum] of golden) {
    it(`${what}: ${sum}`, () => expect(flaggerChecksum(data)).to.equal(sum));
  }

  it('an empty data map is written as Go writes the nil map the API gives it (null)', () => {
    expect(goJsonOfStringMap({})).to.equal('null');
    expect(flaggerChecksum({})).to.equal('74234e98afe7498f');
  });

  it("\\b and \\f also in the form Go wrote before 1.22, so an older Flagger's checksum is recognised", () => {
    expect(goJsonOfStringMap({ k: '\b\f' }, 'go1.21')).to.equal('{"k":"\\u0008\\u000c"}');
    const both = flaggerChecksums({ k: 'x\by' });
    expect(both).to.have.length(2);
    expect(both[0]).to.equal(flaggerChecksum({ k: 'x\by' }, 'go1.22'));
    expect(both[1]).to.equal(flaggerChecksum({ k: 'x\by' }, 'go1.21'));
    expect(flaggerChecksums({ color: 'blue' })).to.deep.equal(['f234cb93c08ad64e']);
  });
});
