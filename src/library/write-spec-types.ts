// `npm run library-types`: writes src/library/spec-types.ts from the schemas (see spec-types-source.ts).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { specTypes } from './spec-types-source.js';

const file = resolve(process.argv[2] ?? 'src/library/spec-types.ts');
writeFileSync(file, specTypes().source);
console.log(`wrote ${file}`);
