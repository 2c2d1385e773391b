// What a module really loads: imports `specifier` in a fresh node process (from `cwd`) and returns
// every module that process resolved (ES modules, through record-loads.mjs) or required (CommonJS,
// from require.cache), as file paths or URLs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const recorder = fileURLToPath(new URL('./record-loads.mjs', import.meta.url));

export async function loadedModules(specifier: string, opts: { cwd: string; tsx?: boolean }): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-loads-'));
  const file = join(dir, 'loads.txt');
  try {
    const script = `await import(${JSON.stringify(specifier)});
      const { createRequire } = await import('node:module');
      console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...(opts.tsx ? ['--import', 'tsx'] : []), '--import', recorder, '--input-type=module', '-e', script],
      { cwd: opts.cwd, env: { ...process.env, SLUICE_LOADS_FILE: file }, maxBuffer: 16 * 1024 * 1024 },
    );
    const required = JSON.parse(stdout.trim().split('\n').pop()!) as string[];
    const resolved = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    return [...new Set([...resolved, ...required])];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The packages and Sluice folders that make up the operator, none of which the library may load. */
export const OPERATOR_MODULES: readonly RegExp[] = [
  /node_modules\/@kubernetes\/client-node\//,
  /node_modules\/express\//,
  /node_modules\/pino\//,
  /node_modules\/prom-client\//,
  /\/(src|lib)\/(controller|kube|operator|admission|notify|hooks|loadtester)\//,
  /\/(src|lib)\/log\.(ts|js)$/,
];

export function operatorModulesIn(loaded: readonly string[]): string[] {
  return loaded.filter((m) => OPERATOR_MODULES.some((re) => re.test(m)));
}
