// `node --import <this file>`: appends the URL of every ES module the process resolves to the file
// named by $SLUICE_LOADS_FILE (the hooks run off the main thread, so a file is how they report).
// CommonJS modules required by CommonJS code do not pass these hooks: read require.cache for them.
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url);
