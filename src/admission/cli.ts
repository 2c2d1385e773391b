// `sluice webhook`: serve the admission webhooks until interrupted. Loaded lazily by the CLI so
// other verbs do not pay for client-node.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadKubeConfig } from '../kube/config.js';
import { logger } from '../log.js';
import { watchCertificateFiles } from './certificate-files.js';
import { runAdmission, type Registration } from './run.js';

interface WebhookFlags {
  port: string;
  host?: string;
  kubeconfig?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  register: string;
  ownedGuard: boolean;
  provider?: string;
  operatorUsername?: string;
}

export function webhookCommand(): Command {
  return new Command('webhook')
    .description('serve the admission webhooks (HTTPS) and register them until interrupted')
    .option('--port <port>', 'HTTPS port (0: any free port)', '9443')
    .option('--host <address>', 'listen address (default: 127.0.0.1 outside a cluster, 0.0.0.0 inside)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--tls-cert <file>', 'serving certificate (PEM), e.g. from a mounted Secret; default: self-made CA and certificate')
    .option('--tls-key <file>', 'serving key (PEM)')
    .option('--tls-ca <file>', 'CA of the serving certificate, written to caBundle (default: the certificate)')
    .addOption(new Option('--register <where>', 'loopback | none | service:<namespace>/<name>[:port]').default('loopback'))
    .option('--no-owned-guard', 'do not deny direct edits of objects a Canary owns')
    .option('--provider <name>', 'default provider for Canaries that set none')
    .option(
      '--operator-username <name>',
      "the operator's authenticated username, whose writes pass the owned-object guard and the hold at zero (default: this process's own, from a SelfSubjectReview)",
    );
}

/** Parses `args` (what follows `sluice webhook`) and runs until SIGINT or SIGTERM. */
export async function runWebhookVerb(args: string[]): Promise<void> {
  const command = webhookCommand().exitOverride();
  try {
    command.parse(args, { from: 'user' });
  } catch (err) {
    // --help printed the help: nothing else to do.
    if ((err as { code?: string }).code === 'commander.helpDisplayed') return;
    throw err;
  }
  const flags = command.opts<WebhookFlags>();
  const log = logger('admission');
  const read = (file?: string) => (file ? readFileSync(file, 'utf8') : undefined);
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
  const registration = parseRegistration(flags.register);
  const runtime = await runAdmission({
    kubeConfig: loadKubeConfig({ path: flags.kubeconfig }),
    port: Number(flags.port),
    host: flags.host,
    tls: flags.tlsCert ? { cert: read(flags.tlsCert)!, key: read(flags.tlsKey)!, ca: read(flags.tlsCa) } : undefined,
    ownedObjectGuard: flags.ownedGuard,
    defaultProvider: flags.provider,
    operatorUsername: flags.operatorUsername,
    registration,
    log,
  });
  // A mounted Secret is updated in place when cert-manager (or a person) rotates it; a self-made
  // certificate is renewed inside the server.
  const stopWatching =
    flags.tlsCert && flags.tlsKey
      ? watchCertificateFiles({ certFile: flags.tlsCert, keyFile: flags.tlsKey }, (next) => runtime.server.setCertificate(next), { log })
      : undefined;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, `${signal}: shutting down`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  stopWatching?.();
  await runtime.close();
}

/** "loopback", "none" or "service:<namespace>/<name>[:port]". */
export function parseRegistration(text: string): Registration {
  if (text === 'loopback' || text === 'none') return text;
  const m = /^service:([a-z0-9-]+)\/([a-z0-9-]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new Error(`--register must be loopback, none or service:<namespace>/<name>[:port], got ${JSON.stringify(text)}`);
  return { service: { namespace: m[1], name: m[2], port: m[3] ? Number(m[3]) : undefined } };
}
