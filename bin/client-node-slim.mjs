// A module resolve hook that keeps @kubernetes/client-node's generated API models out of the
// operator. Sluice uses only KubeConfig, makeInformer and the fetch library (src/kube), yet two of
// client-node's modules import every generated model for a single helper each:
//   dist/config.js imports ./gen/index.js only for makeApiClient (createConfiguration,
//     ServerConfiguration), which Sluice never calls;
//   dist/cache.js imports ./serializer.js only to pass label/field selectors through
//     ObjectSerializer.serialize(value, 'string'), which returns a string unchanged.
// Loading those models costs about 40 MB of RSS. This hook answers those two imports with small
// modules that export the same names. test/unit/kube/client-node-slim.test.ts fails when a
// client-node upgrade renames, moves or starts using more of what is replaced here.

/** parent module (below client-node's dist/) -> import specifier -> replacement source. */
export const SLIM_IMPORTS = {
  'config.js': {
    './gen/index.js': (dist) =>
      `export { createConfiguration } from ${JSON.stringify(`${dist}gen/configuration.js`)};\n` +
      `export { ServerConfiguration } from ${JSON.stringify(`${dist}gen/servers.js`)};\n`,
  },
  'cache.js': {
    // Selectors are strings already; the generated serializer returns a 'string' as it is.
    './serializer.js': () => 'export const ObjectSerializer = { serialize: (value) => value };\n',
  },
};

/** A module directly in client-node's dist/: [1] the dist/ directory's URL or path, [2] the file. */
export const CLIENT_NODE_DIST = /^(.*\/@kubernetes\/client-node\/dist\/)([^/?#]+)$/;

export async function resolve(specifier, context, nextResolve) {
  const parent = CLIENT_NODE_DIST.exec(context.parentURL ?? '');
  const slim = parent && SLIM_IMPORTS[parent[2]]?.[specifier];
  if (slim) return { url: `data:text/javascript,${encodeURIComponent(slim(parent[1]))}`, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
}
