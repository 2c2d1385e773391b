// Helm expressions inside objects that cdk8s renders. Each expression is handed out as a token (a
// plain word that YAML writes unquoted and cdk8s passes through as it is); once the objects are
// YAML text, `toTemplate` writes the expression in place of its token. This is how the Helm chart
// renders from the same install charts as manifests/: same objects, values replaced by
// expressions.
//
// Three kinds of token:
//   text / raw  a scalar: `name: <t>` becomes `name: {{ expr | quote }}` (text) or `{{ expr }}` (raw,
//               numbers and booleans); inside a longer string, `"...{{ expr }}..."`.
//   block       a whole value from the chart's values at `key: <t>`, or a few list items at
//               `- <t>`, or a few map entries at `<t>: ...`: the line becomes the given lines,
//               indented like it (usually `{{- with .Values.x }}` ... `{{- end }}`).

const TOKEN = /HELMEXPR(\d+)X/g;

type Entry =
  { readonly kind: 'text' | 'raw'; readonly expr: string } | { readonly kind: 'block'; readonly lines: (key: string | undefined, indent: number) => string[] };

export class HelmExpressions {
  readonly #entries: Entry[] = [];

  #token(entry: Entry): string {
    this.#entries.push(entry);
    return `HELMEXPR${this.#entries.length - 1}X`;
  }

  /** A string from a Helm expression, e.g. `text('.Values.logLevel')`. */
  text(expr: string): string {
    return this.#token({ kind: 'text', expr });
  }

  /** A number or boolean from a Helm expression: written unquoted. */
  raw<T extends number | boolean>(expr: string): T {
    return this.#token({ kind: 'raw', expr }) as unknown as T;
  }

  /** A whole value, list items or map entries, written as `lines(key, indent)` at the token's line. */
  block<T>(lines: (key: string | undefined, indent: number) => string[]): T {
    return this.#token({ kind: 'block', lines }) as unknown as T;
  }

  /** Writes every expression in place of its token in YAML text; throws on a token it cannot place. */
  toTemplate(yaml: string): string {
    return yaml
      .split('\n')
      .flatMap((line) => this.#line(line))
      .join('\n');
  }

  #entry(index: string): Entry {
    const e = this.#entries[Number(index)];
    if (!e) throw new Error(`unknown Helm expression token ${index}`);
    return e;
  }

  #line(line: string): string[] {
    if (!line.match(TOKEN)) return [line];
    const indent = line.length - line.trimStart().length;
    const pad = (lines: string[]) => lines.map((l) => `${' '.repeat(indent)}${l}`);
    const alone = /^(\s*)(?:- |(?!- )([^\s:][^:]*): |)HELMEXPR(\d+)X(?::.*)?$/.exec(line);
    if (alone) {
      const e = this.#entry(alone[3]);
      if (e.kind === 'block') return pad(e.lines(alone[2], indent));
    }
    // Scalars: the part after `key: ` or `- `.
    const m = /^(\s*(?:- )?(?:[^\s:"'][^:]*: )?)(.*)$/.exec(line)!;
    const [, head, scalar] = m;
    const whole = /^HELMEXPR(\d+)X$/.exec(scalar);
    if (whole) {
      const e = this.#entry(whole[1]);
      if (e.kind === 'block') throw new Error(`a block token must stand alone on its line: ${line}`);
      return [`${head}{{ ${e.expr}${e.kind === 'text' ? ' | quote' : ''} }}`];
    }
    if (/^["']/.test(scalar) || head.includes('HELMEXPR')) throw new Error(`cannot place a Helm expression in: ${line}`);
    const inner = scalar.replace(TOKEN, (_, i: string) => {
      const e = this.#entry(i);
      if (e.kind !== 'text') throw new Error(`only text expressions go inside a string: ${line}`);
      return `{{ ${e.expr} }}`;
    });
    return [`${head}"${inner}"`];
  }
}
