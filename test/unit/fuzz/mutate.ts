// Seeded random values and structural mutations for fuzzing (reproducible: the seed is printed).
export class Rng {
  constructor(private state: number) {}
  next(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

const STRINGS = ['', ' ', 'x', '1m', '-5s', '10x', 'http://x/', 'ftp://y', '💥', 'a'.repeat(300), 'null', 'true', '{{ oops }}', '\u0000'];

export function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.next() < 0.5;
    case 2:
      return rng.int(2000) - 1000;
    case 3:
      return rng.next() * 1e6 - 5e5;
    case 4:
      return rng.pick(STRINGS);
    case 5:
      return undefined;
    case 6:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    case 7:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, (_, i) => [
          rng.pick(['spec', 'metadata', 'name', 'kind', 'request', 'constructor', '__proto__', 'toString', `k${i}`]),
          randomValue(rng, depth + 1),
        ]),
      );
    default:
      return NaN;
  }
}

/** Replaces, deletes or retypes one random node of a JSON document (returns a new document). */
export function mutate(doc: unknown, rng: Rng): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const paths: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (node: unknown) => {
    if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        paths.push({ parent: node as Record<string, unknown>, key: Array.isArray(node) ? Number(k) : k });
        walk(v);
      }
    }
  };
  walk(copy);
  if (!paths.length) return randomValue(rng);
  const { parent, key } = rng.pick(paths);
  const op = rng.int(3);
  if (op === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string | number, unknown>)[key] = randomValue(rng);
  return copy;
}
