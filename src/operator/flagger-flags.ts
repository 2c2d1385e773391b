// Flagger's operator flags on `sluice run`, so a Flagger Deployment's args carry over. Each flag
// sets the environment variable Sluice reads for the same setting (config.ts), so one parser
// reads both and a flag wins over its variable. Flagger is a Go program: its flags are written
// with one dash (-mesh-provider=istio) as often as with two; argvWithFlaggerFlags() turns the
// one-dash spelling of these names into commander's two-dash one. docs/flagger-flags.md lists them.
import { InvalidArgumentError, type Command } from 'commander';

export interface FlaggerFlag {
  /** The flag's name, without dashes: Flagger's, and Sluice's long option. */
  readonly name: string;
  /** A boolean flag may stand alone (-enable-leader-election) or take =true/=false. */
  readonly value: 'text' | 'integer' | 'boolean';
  /** The environment variable Sluice reads for the same setting; none when Sluice has nothing to set. */
  readonly env?: string;
  /** Flagger's default, as its flag prints it. */
  readonly flaggerDefault: string;
  readonly meaning: string;
  /** Accepted, with no effect in Sluice, and why. */
  readonly noEffect?: string;
  /** Refused at start-up, and why: going on without it would do something else than asked. */
  readonly refused?: string;
}

export const FLAGGER_FLAGS: readonly FlaggerFlag[] = [
  { name: 'kubeconfig', value: 'text', env: 'KUBECONFIG', flaggerDefault: '', meaning: 'path to a kubeconfig; in-cluster config when none' },
  { name: 'master', value: 'text', env: 'SLUICE_MASTER_URL', flaggerDefault: '', meaning: "the apiserver URL, over the kubeconfig's" },
  {
    name: 'kubeconfig-qps',
    value: 'text',
    flaggerDefault: '100',
    meaning: 'client-side rate of apiserver requests',
    noEffect: "Sluice's client does not throttle itself; the apiserver's priority and fairness paces it",
  },
  {
    name: 'kubeconfig-burst',
    value: 'integer',
    flaggerDefault: '250',
    meaning: 'client-side burst of apiserver requests',
    noEffect: "Sluice's client does not throttle itself; the apiserver's priority and fairness paces it",
  },
  {
    name: 'kubeconfig-service-mesh',
    value: 'text',
    flaggerDefault: '',
    meaning: 'a kubeconfig for the cluster of the service mesh control plane',
    refused: 'Sluice writes routing objects to the cluster of its Canaries only',
  },
  {
    name: 'metrics-server',
    value: 'text',
    env: 'SLUICE_METRICS_SERVER',
    flaggerDefault: 'http://prometheus:9090',
    meaning: 'default Prometheus of Canaries without spec.metricsServer',
  },
  { name: 'mesh-provider', value: 'text', env: 'SLUICE_PROVIDER', flaggerDefault: 'istio', meaning: 'default provider of Canaries without spec.provider' },
  { name: 'namespace', value: 'text', env: 'SLUICE_NAMESPACE', flaggerDefault: '', meaning: 'watch the Canaries of this namespace only; empty: all' },
  {
    name: 'selector-labels',
    value: 'text',
    env: 'SLUICE_SELECTOR_LABELS',
    flaggerDefault: 'app,name,app.kubernetes.io/name',
    meaning: 'pod labels tried in turn to tell primary from canary pods',
  },
  {
    name: 'include-label-prefix',
    value: 'text',
    env: 'SLUICE_INCLUDE_LABEL_PREFIX',
    flaggerDefault: '',
    meaning: "prefixes of the target's labels and annotations copied to the primary Deployment and HPA; * all, empty none",
  },
  {
    name: 'ingress-annotations-prefix',
    value: 'text',
    env: 'SLUICE_INGRESS_ANNOTATIONS_PREFIX',
    flaggerDefault: 'nginx.ingress.kubernetes.io',
    meaning: 'annotation prefix of the NGINX canary Ingress',
  },
  { name: 'ingress-class', value: 'text', env: 'SLUICE_INGRESS_CLASS', flaggerDefault: '', meaning: "spec.ingressClassName of Contour's HTTPProxy" },
  {
    name: 'enable-config-tracking',
    value: 'boolean',
    env: 'SLUICE_CONFIG_TRACKING',
    flaggerDefault: 'true',
    meaning: 'copy the ConfigMaps and Secrets the target uses to -primary ones and start a rollout when they change',
  },
  {
    name: 'no-cross-namespace-refs',
    value: 'boolean',
    env: 'SLUICE_NO_CROSS_NAMESPACE_REFS',
    flaggerDefault: 'false',
    meaning: 'a Canary naming a MetricTemplate, AlertProvider or Gloo Upstream of another namespace is invalid',
  },
  {
    name: 'event-webhook',
    value: 'text',
    env: 'EVENT_WEBHOOK_URL',
    flaggerDefault: '',
    meaning: 'URL every Event is posted to, for Canaries without an event webhook of their own',
  },
  { name: 'cluster-name', value: 'text', env: 'SLUICE_CLUSTER_NAME', flaggerDefault: '', meaning: 'the Cluster field of notifications' },
  { name: 'slack-url', value: 'text', env: 'SLACK_URL', flaggerDefault: '', meaning: 'Slack incoming webhook of the global notifier' },
  { name: 'slack-proxy-url', value: 'text', env: 'SLACK_PROXY_URL', flaggerDefault: '', meaning: 'proxy of the Slack notifier' },
  { name: 'slack-user', value: 'text', env: 'SLACK_USER', flaggerDefault: 'flagger', meaning: 'user name of Slack messages' },
  { name: 'slack-channel', value: 'text', env: 'SLACK_CHANNEL', flaggerDefault: '', meaning: 'Slack channel of the global notifier' },
  { name: 'msteams-url', value: 'text', env: 'MSTEAMS_URL', flaggerDefault: '', meaning: 'Microsoft Teams incoming webhook of the global notifier' },
  { name: 'msteams-proxy-url', value: 'text', env: 'MSTEAMS_PROXY_URL', flaggerDefault: '', meaning: 'proxy of the Teams notifier' },
  {
    name: 'enable-leader-election',
    value: 'boolean',
    env: 'SLUICE_LEADER_ELECT',
    flaggerDefault: 'false',
    meaning: 'only the replica holding the Lease reconciles',
  },
  {
    name: 'leader-election-namespace',
    value: 'text',
    env: 'SLUICE_LEADER_ELECTION_NAMESPACE',
    flaggerDefault: 'kube-system',
    meaning: 'namespace of the leader election Lease',
  },
  { name: 'threadiness', value: 'integer', env: 'SLUICE_CONCURRENCY', flaggerDefault: '2', meaning: 'Canaries reconciled at once' },
  { name: 'port', value: 'integer', env: 'SLUICE_PORT', flaggerDefault: '8080', meaning: 'port of /metrics and /healthz' },
  { name: 'log-level', value: 'text', env: 'SLUICE_LOG_LEVEL', flaggerDefault: 'debug', meaning: 'debug, info, warning or error' },
  {
    name: 'control-loop-interval',
    value: 'text',
    flaggerDefault: '10s',
    meaning: 'how often Canaries are looked at for a change',
    noEffect: 'Sluice watches Canaries and what they depend on: a change is seen when it happens',
  },
  { name: 'zap-encoding', value: 'text', flaggerDefault: 'json', meaning: 'log encoding', noEffect: 'Sluice logs JSON, one line per event' },
  {
    name: 'zap-replace-globals',
    value: 'boolean',
    flaggerDefault: 'false',
    meaning: "set the level of Go's global logger",
    noEffect: 'a Go matter; Sluice has one logger',
  },
];

const byName = new Map(FLAGGER_FLAGS.map((f) => [f.name, f]));

function parseBoolean(name: string) {
  return (text: string): string => {
    const t = text.toLowerCase();
    if (['1', 't', 'true'].includes(t)) return 'true';
    if (['0', 'f', 'false'].includes(t)) return 'false';
    throw new InvalidArgumentError(`--${name} takes true or false, got ${JSON.stringify(text)}`);
  };
}

function parseInteger(name: string) {
  return (text: string): string => {
    if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`--${name} takes a whole number, got ${JSON.stringify(text)}`);
    return text.trim();
  };
}

/** Adds every Flagger flag to `command` as `--<name>`. */
export function addFlaggerFlags(command: Command): Command {
  for (const f of FLAGGER_FLAGS) {
    const help = `${f.meaning}${f.env ? ` (${f.env})` : ''}${f.noEffect ? ` [accepted, no effect: ${f.noEffect}]` : ''}${f.refused ? ` [refused: ${f.refused}]` : ''}`;
    if (f.value === 'boolean') command.option(`--${f.name} [bool]`, help, parseBoolean(f.name));
    else if (f.value === 'integer') command.option(`--${f.name} <n>`, help, parseInteger(f.name));
    else command.option(`--${f.name} <value>`, help);
  }
  return command;
}

/** commander's key of a flag: --enable-leader-election -> enableLeaderElection. */
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The flags given, by name, as text ("true" for a boolean flag given alone). */
export function givenFlaggerFlags(opts: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of FLAGGER_FLAGS) {
    // commander reads --no-x as the negation of x: its key is x, true unless the flag was
    // given, false when it was given alone, and the parsed value when given one.
    const negated = f.name.startsWith('no-');
    const v = opts[camel(negated ? f.name.slice(3) : f.name)];
    if (v === undefined || (negated && v === true)) continue;
    out.set(f.name, v === true || (negated && v === false) ? 'true' : String(v));
  }
  return out;
}

/** The environment the given flags stand for, over `env`: a flag wins over its variable. */
export function envWithFlags(given: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [name, value] of given) {
    const variable = byName.get(name)?.env;
    if (variable) out[variable] = value;
  }
  return out;
}

/** Throws for a refused flag; otherwise one sentence per accepted flag that has no effect, for the log. */
export function flagNotes(given: ReadonlyMap<string, string>): string[] {
  const notes: string[] = [];
  for (const name of given.keys()) {
    const f = byName.get(name);
    if (f?.refused) throw new Error(`-${name} is not supported: ${f.refused}`);
    if (f?.noEffect) notes.push(`-${name} is accepted for compatibility with Flagger and has no effect: ${f.noEffect}`);
  }
  return notes;
}

/**
 * process.argv with Flagger's one-dash spelling of its flags after the verb `run` turned into two
 * dashes: `-mesh-provider=istio` -> `--mesh-provider=istio`, `-enable-leader-election` alone
 * likewise. Other verbs, other arguments, and everything after `--` are left as they are.
 */
export function argvWithFlaggerFlags(argv: readonly string[]): string[] {
  // argv[0] is node, argv[1] the script, argv[2] the verb.
  const run = 2;
  if (argv[run] !== 'run') return [...argv];
  const end = argv.indexOf('--', run);
  return argv.map((arg, i) => {
    if (i <= run || (end >= 0 && i >= end)) return arg;
    const m = /^-([a-z][a-z-]*)(=.*)?$/s.exec(arg);
    // -version is the program's --version, as Flagger's prints its version.
    return m && (byName.has(m[1]) || (m[1] === 'version' && !m[2])) ? `-${arg}` : arg;
  });
}
