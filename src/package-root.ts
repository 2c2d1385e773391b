// The directory holding Sluice's own package.json, found by walking up from this module. The code
// runs from src/ (tsx), lib/ (tsc) or lib/bundle/ (the operator's esbuild bundle), each at another
// depth, so a fixed number of '..' would be right for some and wrong for others.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'sluice';

/** The nearest directory at or above `fromFile` whose package.json names this package. */
export function findPackageRoot(fromFile: string): string {
  for (let dir = dirname(fromFile); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json of ${PACKAGE_NAME} above ${fromFile}`);
  }
}

export const PACKAGE_ROOT: string = findPackageRoot(fileURLToPath(import.meta.url));
