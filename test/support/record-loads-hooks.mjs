// Module hooks for record-loads.mjs: one line per resolved module URL.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.SLUICE_LOADS_FILE) appendFileSync(process.env.SLUICE_LOADS_FILE, `${result.url}\n`);
  return result;
}
