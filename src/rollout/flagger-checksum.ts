// Flagger's checksum of a tracked ConfigMap or Secret, as its status.trackedConfigs records it
// (pkg/canary/config_tracker.go): the first 8 bytes, in hex, of sha256 over Go's json.Marshal of
// the object's `data` map. Recognising it lets Sluice take over a Canary that Flagger left idle
// without taking an unchanged config for a new one.
//
// Go's encoding is fixed by its documentation, so it can be written here exactly: keys sorted by
// bytes, HTML-safe escaping (<, > and & as \u003c, \u003e, \u0026), U+2028 and U+2029 escaped, other
// control characters as \u00XX except \n \r \t (and \b \f since Go 1.22; \u0008 \u000c before). A
// ConfigMap's values are strings; a Secret's are bytes, which the API already sends in the base64
// Go writes. An empty map comes back from the API as none, which Go writes as null.
import { createHash } from 'node:crypto';

/** How Go writes \b and \f: before 1.22 as \u0008 and \u000c, since as \b and \f. */
type GoEscapes = 'go1.22' | 'go1.21';

/** Every checksum Flagger may have recorded for this data (one per Go encoding that differs). */
export function flaggerChecksums(data: Readonly<Record<string, string>> | undefined): string[] {
  const current = flaggerChecksum(data, 'go1.22');
  const older = flaggerChecksum(data, 'go1.21');
  return current === older ? [current] : [current, older];
}

export function flaggerChecksum(data: Readonly<Record<string, string>> | undefined, escapes: GoEscapes = 'go1.22'): string {
  return createHash('sha256').update(goJsonOfStringMap(data, escapes), 'utf8').digest('hex').slice(0, 16);
}

/** Go's json.Marshal of a map[string]string (or of a nil one). */
export function goJsonOfStringMap(data: Readonly<Record<string, string>> | undefined, escapes: GoEscapes = 'go1.22'): string {
  const keys = Object.keys(data ?? {});
  if (!data || keys.length === 0) return 'null';
  // Go sorts map keys by their bytes (UTF-8), which is not JavaScript's UTF-16 order beyond the BMP.
  keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return `{${keys.map((k) => `${goJsonString(k, escapes)}:${goJsonString(String(data[k]), escapes)}`).join(',')}}`;
}

const HEX = '0123456789abcdef';

function goJsonString(s: string, escapes: GoEscapes): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      out += asciiEscape(ch, cp, escapes);
    } else if (cp === 0x2028 || cp === 0x2029) {
      out += `\\u${cp.toString(16)}`;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate is no valid UTF-8: Go writes the replacement character for it.
      out += '\\ufffd';
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

function asciiEscape(ch: string, cp: number, escapes: GoEscapes): string {
  switch (ch) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\b':
      if (escapes === 'go1.22') return '\\b';
      break;
    case '\f':
      if (escapes === 'go1.22') return '\\f';
      break;
    case '<':
    case '>':
    case '&':
      break;
    default:
      if (cp >= 0x20) return ch;
  }
  return `\\u00${HEX[cp >> 4]}${HEX[cp & 0xf]}`;
}
