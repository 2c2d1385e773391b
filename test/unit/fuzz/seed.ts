// The seed of a fuzz run: SLUICE_FUZZ_SEED to replay one, otherwise a fresh one each run (a fixed
// seed only ever walks the same inputs). Printed first, so a failure in CI can be replayed.
import { randomInt } from 'node:crypto';

export function fuzzSeed(suite: string): number {
  const given = process.env.SLUICE_FUZZ_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) : randomInt(2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`SLUICE_FUZZ_SEED must be an integer, got ${JSON.stringify(given)}`);
  console.log(`      ${suite}: seed ${seed}${given ? ' (SLUICE_FUZZ_SEED)' : ''}; replay with SLUICE_FUZZ_SEED=${seed}`);
  return seed;
}
