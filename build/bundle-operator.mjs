// Bundles the compiled CLI (lib/cli/main.js and what it imports lazily) with
// @kubernetes/client-node into lib/bundle/, the code `bin/sluice.js` runs when it is current.
// Why a bundle: client-node's config.js and cache.js import every generated API model for one
// helper each (bin/client-node-slim.mjs says which); at run time a module resolve hook answers
// those two imports, but on Node 20 hooks run in a worker thread of their own, a second V8
// isolate that stays for the life of the process (about 14 MB RSS). Here the same replacements
// are made once, at build time, so the operator starts without the hook.
// Every other package stays external and loads from node_modules as before: only Sluice's own
// modules, client-node's and the undici modules client-node uses (below) are bundled. Not
// minified, so stack traces keep their names.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_NODE_DIST, SLIM_IMPORTS } from '../bin/client-node-slim.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const OUT_DIR = `${root}lib/bundle`;
const BARE = /^(?:@[^/]+\/)?[^./][^:]*$/;

/**
 * client-node imports only Agent, ProxyAgent and fetch from undici, but undici's index loads all of
 * undici (mock agents, cache, WebSocket, EventSource...: about 6 MB more RSS). Its own modules for
 * those three are bundled instead. test/unit/build/operator-bundle.test.ts fails when client-node
 * imports another name or undici moves one.
 */
export const UNDICI_NAMES = ['Agent', 'ProxyAgent', 'fetch'];
export function undiciSlimSource(undiciDir = dirname(require.resolve('undici/package.json'))) {
  const file = (path) => JSON.stringify(join(undiciDir, path));
  return (
    `import Agent from ${file('lib/dispatcher/agent.js')};\n` +
    `import ProxyAgent from ${file('lib/dispatcher/proxy-agent.js')};\n` +
    `import fetchModule from ${file('lib/web/fetch/index.js')};\n` +
    'export { Agent, ProxyAgent };\n' +
    // undici's index wraps this fetch only to add the caller to a failure's stack trace.
    'export const fetch = fetchModule.fetch;\n'
  );
}

/** The hook's two slim replacements, undici's, and every other bare import left to node_modules. */
const operatorImports = {
  name: 'sluice-operator-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const parent = CLIENT_NODE_DIST.exec(args.importer);
      const slim = parent && SLIM_IMPORTS[parent[2]]?.[args.path];
      if (slim) return { path: `${parent[2]} -> ${args.path}`, namespace: 'client-node-slim', pluginData: slim(parent[1]) };
      if (args.path === 'undici' && args.importer.includes('/@kubernetes/client-node/dist/'))
        return { path: 'undici (Agent, ProxyAgent, fetch)', namespace: 'client-node-slim', pluginData: undiciSlimSource() };
      if (args.kind !== 'entry-point' && BARE.test(args.path) && !args.path.startsWith('@kubernetes/client-node')) return { external: true };
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'client-node-slim' }, (args) => ({ contents: args.pluginData, loader: 'js', resolveDir: root }));
  },
};

/**
 * Bundles into `outDir` (lib/bundle by default) and returns esbuild's metafile. Refuses a bundle that
 * took client-node's generated models in: the reason it exists.
 */
export async function bundleOperator(outDir = OUT_DIR) {
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { main: `${root}lib/cli/main.js` },
    outdir: outDir,
    bundle: true,
    splitting: true, // the CLI's lazy imports (webhook, demo, dashboard, load tester) stay lazy
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [operatorImports],
    // undici's modules are CommonJS: their require() of Node built-ins needs a require in ESM.
    banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module';\nconst require = __sluiceCreateRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'warning',
  });
  const models = Object.keys(result.metafile.inputs).filter((path) => path.includes('client-node/dist/gen/models/'));
  if (models.length > 0) throw new Error(`the operator bundle took client-node's generated models in (${models[0]}, ...): see bin/client-node-slim.mjs`);
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleOperator();
