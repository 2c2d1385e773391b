// Checks a document against one of Sluice's structural schemas: types, required fields,
// enums, bounds and unknown fields, with the dotted path of every problem. This is what
// the apiserver would refuse or silently prune, said before anything is sent.
import type { JSONSchema } from './schema.js';
import { type Problem, problem, childPath } from './problem.js';

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: JSONSchema['type']): boolean {
  switch (type) {
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    default: return true;
  }
}

export function checkStructure(value: unknown, schema: JSONSchema, path: string): Problem[] {
  if (value === null || value === undefined) return [];
  if (schema['x-kubernetes-int-or-string']) {
    const ok = typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
    return ok ? [] : [problem(path, `must be an integer or a string, got ${typeName(value)}`)];
  }
  if (!matchesType(value, schema.type)) {
    return [problem(path, `must be ${article(schema.type!)}, got ${typeName(value)} ${preview(value)}`)];
  }
  const problems: Problem[] = [];
  if (schema.enum && !schema.enum.includes(value as string | number)) {
    const allowed = schema.enum.filter((v) => v !== '').map((v) => JSON.stringify(v)).join(', ');
    problems.push(problem(path, `unsupported value ${JSON.stringify(value)}: must be one of ${allowed}`));
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) {
      problems.push(problem(path, `must be at least ${schema.minimum}, got ${value}`));
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      problems.push(problem(path, `must be at most ${schema.maximum}, got ${value}`));
    }
  }
  if (Array.isArray(value) && schema.maxItems !== undefined && value.length > schema.maxItems) {
    // One problem for the list; its items are not worth checking one by one.
    problems.push(problem(path, `must have at most ${schema.maxItems} items, got ${value.length}`));
  } else if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      // null is "unset" for a field, but a list item that is null is just wrong.
      if (item === null || item === undefined) problems.push(problem(childPath(path, i), 'must not be null'));
      else problems.push(...checkStructure(item, schema.items!, childPath(path, i)));
    });
  }
  if (schema.type === 'object' && typeof value === 'object' && !Array.isArray(value)) {
    problems.push(...checkObject(value as Record<string, unknown>, schema, path));
  }
  return problems;
}

/** A field's own value: never one inherited from Object.prototype ("constructor", "toString"). */
const own = (record: object, key: string): unknown => (Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined);

function checkObject(value: Record<string, unknown>, schema: JSONSchema, path: string): Problem[] {
  const problems: Problem[] = [];
  for (const key of schema.required ?? []) {
    if (own(value, key) === undefined || own(value, key) === null) {
      problems.push(problem(childPath(path, key), 'is required'));
    }
  }
  if (schema['x-kubernetes-preserve-unknown-fields']) return problems;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = (schema.properties ? own(schema.properties, key) as JSONSchema | undefined : undefined) ?? schema.additionalProperties;
    if (childSchema) {
      problems.push(...checkStructure(child, childSchema, childPath(path, key)));
    } else if (schema.properties) {
      problems.push(problem(childPath(path, key), 'unknown field'));
    }
  }
  return problems;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
