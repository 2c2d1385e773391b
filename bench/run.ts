// `npm run bench`: runs every bench/*.ts (or those named: `npm run bench -- synth admission`),
// prints one table, and writes the lines as JSON to bench/results/<timestamp>.json.
// Each benchmark prints its figures as Markdown table rows ("| what | figure | ... |").
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.ts')))
  .sort();

const rows: { bench: string; row: string }[] = [];
let failed = 0;
for (const script of scripts) {
  const name = basename(script, '.ts');
  process.stderr.write(`== bench ${name}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('|'));
  for (const row of lines) rows.push({ bench: name, row });
  if (r.status !== 0) {
    failed++;
    rows.push({ bench: name, row: `| ${name}: FAILED (exit ${r.status}) | | | |` });
  }
}

console.log('\n| benchmark | figure | detail | samples |\n|---|---|---|---|');
for (const { row } of rows) console.log(row);
mkdirSync(join(here, 'results'), { recursive: true });
const file = join(here, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
console.log(`\nwritten to ${file}`);
process.exitCode = failed ? 1 : 0;
