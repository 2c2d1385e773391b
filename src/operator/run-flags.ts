// `sluice run`'s own flags, beyond Flagger's (flagger-flags.ts): each sets the environment
// variable config.ts reads, as a Flagger flag does, so a flag wins over its variable.
export const SLUICE_RUN_FLAGS = [
  {
    name: 'dashboard-port',
    arg: '<port>',
    env: 'SLUICE_DASHBOARD_PORT',
    meaning: 'serve the read-only rollout page on this port (no authentication: reach it by kubectl port-forward); off when unset',
  },
  { name: 'dashboard-address', arg: '<ip>', env: 'SLUICE_DASHBOARD_ADDRESS', meaning: 'address the rollout page listens on (default 127.0.0.1)' },
] as const;

/** The environment the given flags stand for (commander's camel-cased keys), over `env`. */
export function envWithRunFlags(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const f of SLUICE_RUN_FLAGS) {
    const value = opts[f.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
    if (typeof value === 'string') out[f.env] = value;
  }
  return out;
}
