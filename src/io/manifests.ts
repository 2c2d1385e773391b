// Reading Kubernetes manifests from YAML files and folders (multi-document YAML).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isScalar, LineCounter, parseAllDocuments, stringify, visit, type Document } from 'yaml';

export interface ManifestDoc {
  readonly file: string;
  /** 0-based position in the file's document stream. */
  readonly index: number;
  readonly object: Record<string, unknown>;
}

/** Every non-empty document in a YAML file; a syntax error names the file and line. */
export function readManifestFile(file: string): ManifestDoc[] {
  const text = readFileSync(file, 'utf8');
  const lines = new LineCounter();
  // yaml's own uniqueKeys compares each key with every key before it: quadratic, so checked here.
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: false, lineCounter: lines });
  const out: ManifestDoc[] = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length) throw new Error(`${file}: ${readable(doc.errors[0].message)}`);
    let repeated: ReturnType<typeof firstRepeatedKey>;
    let object: unknown;
    try {
      repeated = firstRepeatedKey(doc);
      object = repeated ? undefined : doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // An alias bomb ("Excessive alias count"), or a stack run out: named by file like any other.
      throw new Error(`${file}: document ${index + 1}: ${readable((err as Error).message)}`, { cause: err });
    }
    if (repeated) {
      const at = lines.linePos(repeated.offset);
      throw new Error(`${file}: map keys must be unique: ${JSON.stringify(repeated.key)} repeats at line ${at.line}, column ${at.col}`);
    }
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      throw new Error(`${file}: document ${index + 1} is not a mapping`);
    }
    out.push({ file, index, object: object as Record<string, unknown> });
  });
  return out;
}

/**
 * yaml composes a document recursively and reports running out of stack (a document nested some
 * thousand levels deep) as an error at that spot: say what it means.
 */
function readable(message: string): string {
  return message.replace(/^Maximum call stack size exceeded/, 'nested too deeply to read');
}

/** The first key that repeats within one mapping, in one pass over each mapping (a Set per map). */
function firstRepeatedKey(doc: Document.Parsed): { key: string; offset: number } | undefined {
  let found: { key: string; offset: number } | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        // Scalars compare by value and type, as yaml's check does (1 and "1" differ); other keys are rare and left alone.
        if (!isScalar(pair.key)) continue;
        const identity = `${typeof pair.key.value}:${String(pair.key.value)}`;
        if (seen.has(identity)) {
          found = { key: String(pair.key.value), offset: pair.key.range?.[0] ?? 0 };
          return visit.BREAK;
        }
        seen.add(identity);
      }
      return undefined;
    },
  });
  return found;
}

/** Files and folders (recursively, *.yaml and *.yml, sorted) to documents. */
export function readManifests(paths: string[]): ManifestDoc[] {
  return expandPaths(paths).flatMap(readManifestFile);
}

export function expandPaths(paths: string[]): string[] {
  return paths.flatMap((p) => {
    if (!statSync(p).isDirectory()) return [p];
    return readdirSync(p)
      .sort()
      .flatMap((entry) => {
        const full = join(p, entry);
        if (statSync(full).isDirectory()) return expandPaths([full]);
        return /\.ya?ml$/.test(entry) ? [full] : [];
      });
  });
}

/** Deterministic multi-document YAML: the same objects always give the same bytes. */
export function toYamlStream(objects: unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, sortMapEntries: false })).join('---\n');
}

export function describeDoc(doc: ManifestDoc): string {
  const kind = String(doc.object.kind ?? '<no kind>');
  const meta = (doc.object.metadata ?? {}) as { name?: string; namespace?: string };
  const name = meta.namespace ? `${meta.namespace}/${meta.name ?? '<no name>'}` : (meta.name ?? '<no name>');
  return `${kind} ${name}`;
}
