// Rendering of MetricTemplate and builtin queries: the small subset of Go's text/template
// that Flagger's queries use. Flagger runs with missingkey=error, so an unknown name is an
// error here too: an empty string would silently change what the PromQL selects.
//
// Supported actions (whitespace inside the braces is free; `{{-` / `-}}` trim as in Go):
//   {{ name }} {{ namespace }} {{ target }} {{ service }} {{ ingress }} {{ route }} {{ interval }}
//   {{ variables.X }}                       a templateVariables entry
//   {{ $v := printf "fmt %s" a b }}         Skipper's builtin route pattern (%s %v %d %%)
//   {{ $v }}   {{ "literal" }}   {{/* comment */}}
// Anything else (if, range, pipes, ...) is rejected with the action quoted.

/** What a query can refer to, for one metric of one canary. */
export interface QueryModel {
  readonly name: string;
  readonly namespace: string;
  readonly target: string;
  readonly service: string;
  readonly ingress: string;
  readonly route: string;
  readonly interval: string;
  readonly variables: Readonly<Record<string, string>>;
}

export const MODEL_NAMES = ['name', 'namespace', 'target', 'service', 'ingress', 'route', 'interval'] as const;
type ModelName = (typeof MODEL_NAMES)[number];

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

interface Action {
  /** The action text between the braces, trim markers removed. */
  readonly body: string;
  /** As written, for error messages. */
  readonly source: string;
}

type Piece = string | Action;

/** Renders `template` against `model`; throws TemplateError naming what it could not resolve. */
export function renderQuery(template: string, model: QueryModel): string {
  const locals = new Map<string, string>();
  let out = '';
  for (const piece of parse(template)) {
    out += typeof piece === 'string' ? piece : evaluate(piece, model, locals);
  }
  return out;
}

/** Splits text and actions, applying Go's trim markers (`{{- ` and ` -}}`) to the text. */
function parse(template: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  let trimNextText = false;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    let text = open < 0 ? template.slice(at) : template.slice(at, open);
    if (trimNextText) text = text.replace(/^\s+/, '');
    if (open < 0) {
      pieces.push(text);
      break;
    }
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`unclosed action at "${template.slice(open, open + 40)}"`);
    let body = template.slice(open + 2, close);
    // Go requires whitespace after a leading "-" and before a trailing "-" for a trim marker.
    const trimLeft = /^-\s/.test(body);
    const trimRight = /\s-$/.test(body);
    if (trimLeft) {
      text = text.replace(/\s+$/, '');
      body = body.slice(1);
    }
    if (trimRight) body = body.slice(0, -1);
    trimNextText = trimRight;
    pieces.push(text, { body: body.trim(), source: template.slice(open, close + 2) });
    at = close + 2;
  }
  return pieces;
}

function evaluate(action: Action, model: QueryModel, locals: Map<string, string>): string {
  const { body } = action;
  if (body.startsWith('/*') && body.endsWith('*/')) return '';
  const assignment = /^(\$[A-Za-z_][A-Za-z0-9_]*)\s*:?=\s*(.+)$/s.exec(body);
  if (assignment) {
    locals.set(assignment[1], evaluateExpression(assignment[2], action, model, locals));
    return '';
  }
  return evaluateExpression(body, action, model, locals);
}

function evaluateExpression(expr: string, action: Action, model: QueryModel, locals: Map<string, string>): string {
  const words = tokenize(expr, action);
  if (words.length === 0) throw new TemplateError(`empty action ${action.source}`);
  if (words[0] === 'printf') {
    if (words.length < 2 || !isStringLiteral(words[1])) {
      throw new TemplateError(`printf needs a quoted format string in ${action.source}`);
    }
    const args = words.slice(2).map((w) => operand(w, action, model, locals));
    return printf(unquote(words[1]), args, action);
  }
  if (words.length > 1) {
    throw new TemplateError(`unsupported template action ${action.source}: only names, variables.X, $variables and printf are supported`);
  }
  return operand(words[0], action, model, locals);
}

function operand(word: string, action: Action, model: QueryModel, locals: Map<string, string>): string {
  if (isStringLiteral(word)) return unquote(word);
  if (word.startsWith('$')) {
    const value = locals.get(word);
    if (value === undefined) throw new TemplateError(`undefined template variable ${word} in ${action.source}`);
    return value;
  }
  // Flagger's docs write {{ variables.X }}; accept Go's field form {{ .variables.X }} too.
  const variable = /^\.?variables\.([A-Za-z0-9_-]+)$/.exec(word);
  if (variable) {
    const key = variable[1];
    if (!Object.hasOwn(model.variables, key)) {
      const known = Object.keys(model.variables);
      throw new TemplateError(`template variable "${key}" is not set in templateVariables (${known.length ? `set: ${known.join(', ')}` : 'none set'})`);
    }
    return model.variables[key];
  }
  const bare = word.replace(/^\./, '');
  if ((MODEL_NAMES as readonly string[]).includes(bare)) return model[bare as ModelName];
  if (/^[A-Za-z_.][A-Za-z0-9_.]*$/.test(word)) {
    throw new TemplateError(`unknown template variable "${word}" in ${action.source} (known: ${MODEL_NAMES.join(', ')}, variables.X)`);
  }
  throw new TemplateError(`unsupported template action ${action.source}`);
}

/** Whitespace-separated words, keeping "double-quoted strings" (with \" escapes) whole. */
function tokenize(expr: string, action: Action): string[] {
  const words: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < expr.length && (m = re.exec(expr)) !== null) {
    words.push(m[1]);
    at = re.lastIndex;
  }
  if (expr.slice(at).trim() !== '') throw new TemplateError(`cannot parse ${action.source}`);
  return words;
}

function isStringLiteral(word: string): boolean {
  return (word.startsWith('"') && word.endsWith('"') && word.length >= 2) || (word.startsWith('`') && word.endsWith('`') && word.length >= 2);
}

function unquote(word: string): string {
  if (word.startsWith('`')) return word.slice(1, -1);
  return JSON.parse(word) as string;
}

/** Go's fmt for the verbs a query needs: %s %v %d and %%. */
function printf(format: string, args: string[], action: Action): string {
  let next = 0;
  const out = format.replace(/%([%svd])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) throw new TemplateError(`printf in ${action.source} has more verbs than arguments`);
    return args[next++];
  });
  if (/%[^%svd]/.test(format.replace(/%%/g, ''))) {
    throw new TemplateError(`printf in ${action.source} uses a verb other than %s, %v, %d`);
  }
  if (next < args.length) throw new TemplateError(`printf in ${action.source} has more arguments than verbs`);
  return out;
}
