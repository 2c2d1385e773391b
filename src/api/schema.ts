// A small builder for structural OpenAPI v3 schemas. The CRDs in crds/ are generated from
// schemas written with it, and the same schemas drive Sluice's own type checks, so the
// apiserver and `sluice validate` can never disagree about shapes.

export interface JSONSchema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema;
  additionalProperties?: JSONSchema;
  enum?: (string | number)[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  format?: string;
  default?: unknown;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

type Extra = Pick<JSONSchema, 'description' | 'minimum' | 'maximum' | 'format' | 'default'>;

export const str = (description?: string, extra: Extra = {}): JSONSchema => ({ type: 'string', ...(description ? { description } : {}), ...extra });

export const oneOfStrings = (values: string[], description?: string): JSONSchema => ({ type: 'string', enum: values, ...(description ? { description } : {}) });

export const num = (description?: string, extra: Extra = {}): JSONSchema => ({ type: 'number', ...(description ? { description } : {}), ...extra });

export const int = (description?: string, extra: Extra = {}): JSONSchema => ({ type: 'integer', ...(description ? { description } : {}), ...extra });

export const bool = (description?: string): JSONSchema => ({ type: 'boolean', ...(description ? { description } : {}) });

export const intOrString = (description?: string): JSONSchema => ({ 'x-kubernetes-int-or-string': true, ...(description ? { description } : {}) });

export const list = (items: JSONSchema, description?: string, extra: Pick<JSONSchema, 'maxItems'> = {}): JSONSchema => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
  ...extra,
});

export const stringMap = (description?: string): JSONSchema => ({
  type: 'object',
  additionalProperties: { type: 'string' },
  ...(description ? { description } : {}),
});

export const mapOf = (values: JSONSchema, description?: string): JSONSchema => ({
  type: 'object',
  additionalProperties: values,
  ...(description ? { description } : {}),
});

/** An object whose inner shape belongs to someone else (a mesh's policy): kept verbatim. */
export const freeform = (description?: string): JSONSchema => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  ...(description ? { description } : {}),
});

export function obj(properties: Record<string, JSONSchema>, opts: { required?: string[]; description?: string } = {}): JSONSchema {
  return {
    type: 'object',
    ...(opts.description ? { description: opts.description } : {}),
    properties,
    ...(opts.required?.length ? { required: opts.required } : {}),
  };
}
