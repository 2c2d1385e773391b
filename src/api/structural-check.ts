// Checks a document against one of Sluice's structural schemas: types, required fields,
// enums, bounds and unknown fields, with the dotted path of every problem. This is what
// the apiserver would refuse or silently prune, said before anything is sent.
import type { JSONSchema } from './schema.js';
import { type Problem, problem, childPath, quote } from './problem.js';

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: JSONSchema['type']): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return true;
  }
}

/**
 * Problems listed for the entries of one list or map; past it one line says there are more.
 * A 4 MiB list of 2,000,000 wrong items made as many problems (and blew the stack when spread
 * into the parent's); no one reads past the first few, and the work stays bounded.
 */
export const MAX_PROBLEMS_PER_CONTAINER = 20;

const MORE_ENTRIES = `has more entries with problems than the ${MAX_PROBLEMS_PER_CONTAINER} listed`;

/** The line that stands for a container's unlisted entries: it refuses none of the container's own fields. */
export const isMoreEntries = (p: Problem): boolean => p.message === MORE_ENTRIES;

export function checkStructure(value: unknown, schema: JSONSchema, path: string): Problem[] {
  const out: Problem[] = [];
  check(value, schema, path, out);
  return out;
}

/** Appends the problems of `value` to `out` (one array for the whole walk: no spreading). */
function check(value: unknown, schema: JSONSchema, path: string, out: Problem[]): void {
  if (value === null || value === undefined) return;
  if (schema['x-kubernetes-int-or-string']) {
    const ok = typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
    if (!ok) out.push(problem(path, `must be an integer or a string, got ${typeName(value)}`));
    return;
  }
  if (!matchesType(value, schema.type)) {
    out.push(problem(path, `must be ${article(schema.type!)}, got ${typeName(value)} ${quote(value)}`));
    return;
  }
  checkAllowed(value, schema, path, out);
  if (Array.isArray(value)) checkList(value, schema, path, out);
  if (schema.type === 'object' && typeof value === 'object' && !Array.isArray(value)) {
    checkObject(value as Record<string, unknown>, schema, path, out);
  }
}

/** A value of the right type that the schema still refuses: not one of its enum, or out of bounds. */
function checkAllowed(value: unknown, schema: JSONSchema, path: string, out: Problem[]): void {
  if (schema.enum && !schema.enum.includes(value as string | number)) {
    const allowed = schema.enum
      .filter((v) => v !== '')
      .map((v) => JSON.stringify(v))
      .join(', ');
    out.push(problem(path, `unsupported value ${quote(value)}: must be one of ${allowed}`));
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) {
      out.push(problem(path, `must be at least ${schema.minimum}, got ${value}`));
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      out.push(problem(path, `must be at most ${schema.maximum}, got ${value}`));
    }
  }
}

function checkList(value: unknown[], schema: JSONSchema, path: string, out: Problem[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    // One problem for the list; its items are not worth checking one by one.
    out.push(problem(path, `must have at most ${schema.maxItems} items, got ${value.length}`));
    return;
  }
  if (!schema.items) return;
  const items = new EntryProblems(path, out);
  for (let i = 0; i < value.length && !items.done; i++) {
    const item = value[i];
    // null is "unset" for a field, but a list item that is null is just wrong.
    items.check((into) => {
      if (item === null || item === undefined) into.push(problem(childPath(path, i), 'must not be null'));
      else check(item, schema.items!, childPath(path, i), into);
    });
  }
}

/** A field's own value: never one inherited from Object.prototype ("constructor", "toString"). */
const own = (record: object, key: string): unknown => (Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined);

function checkObject(value: Record<string, unknown>, schema: JSONSchema, path: string, out: Problem[]): void {
  for (const key of schema.required ?? []) {
    if (own(value, key) === undefined || own(value, key) === null) {
      out.push(problem(childPath(path, key), 'is required'));
    }
  }
  if (schema['x-kubernetes-preserve-unknown-fields']) return;
  // The schema's own fields are always checked; unknown fields and map entries count toward the cap.
  const others = new EntryProblems(path, out);
  for (const key of Object.keys(value)) {
    const known = schema.properties ? (own(schema.properties, key) as JSONSchema | undefined) : undefined;
    if (known) {
      check(value[key], known, childPath(path, key), out);
    } else if (!others.done && schema.additionalProperties) {
      others.check((into) => check(value[key], schema.additionalProperties!, childPath(path, key), into));
    } else if (!others.done && schema.properties) {
      others.check((into) => into.push(problem(childPath(path, key), 'unknown field')));
    }
  }
}

/**
 * The problems of the entries of one list or map, up to MAX_PROBLEMS_PER_CONTAINER entries with
 * problems; the first entry with problems past that is not listed but said at the container's
 * path, and the walk of the container ends there.
 */
class EntryProblems {
  private withProblems = 0;
  done = false;

  constructor(
    private readonly path: string,
    private readonly out: Problem[],
  ) {}

  check(checkEntry: (into: Problem[]) => void): void {
    if (this.withProblems < MAX_PROBLEMS_PER_CONTAINER) {
      const before = this.out.length;
      checkEntry(this.out);
      if (this.out.length > before) this.withProblems++;
      return;
    }
    const more: Problem[] = [];
    checkEntry(more);
    if (more.length) {
      this.out.push(problem(this.path || '(top level)', MORE_ENTRIES));
      this.done = true;
    }
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
