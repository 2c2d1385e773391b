// The package's version, read from package.json (one level above both src/ and lib/), so
// `sluice --version`, /metrics and the image tag never disagree with what was released.
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
