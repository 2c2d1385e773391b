// Flagger's operator flags on `sluice run` (issue #14): each reaches the operator's settings with
// the same meaning, in Flagger's one-dash spelling as in two, over its environment variable.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildProgram, runConfigOf } from '../../../src/cli/main.js';
import { argvWithFlaggerFlags, FLAGGER_FLAGS } from '../../../src/operator/flagger-flags.js';
import { defaultConfig, type OperatorConfig } from '../../../src/operator/config.js';

/** `sluice run <args>` as the entry point parses it, up to the settings (nothing is started). */
async function runWith(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ config: OperatorConfig; notes: string[] }> {
  const quiet = { writeOut: () => undefined, writeErr: () => undefined };
  const program = buildProgram('sluice').exitOverride().configureOutput(quiet);
  const run = program.commands.find((c) => c.name() === 'run') as Command;
  let opts: Record<string, unknown> = {};
  run
    .exitOverride()
    .configureOutput(quiet)
    .action((o: Record<string, unknown>) => {
      opts = o;
    });
  await program.parseAsync(argvWithFlaggerFlags(['node', 'sluice', 'run', ...args]));
  return runConfigOf(opts, env);
}

/** A value for each flag and where it must land in the settings. */
const EFFECTS: Record<string, { arg: string; check: (c: OperatorConfig) => void }> = {
  kubeconfig: { arg: '/etc/flagger/kubeconfig', check: (c) => expect(c.kubeconfig).to.equal('/etc/flagger/kubeconfig') },
  master: { arg: 'https://10.0.0.1:6443', check: (c) => expect(c.masterUrl).to.equal('https://10.0.0.1:6443') },
  'metrics-server': { arg: 'http://prometheus.istio-system:9090', check: (c) => expect(c.metricsServer).to.equal('http://prometheus.istio-system:9090') },
  'mesh-provider': { arg: 'linkerd', check: (c) => expect(c.provider).to.equal('linkerd') },
  namespace: { arg: 'production', check: (c) => expect(c.namespace).to.equal('production') },
  'selector-labels': { arg: 'app.kubernetes.io/name,app', check: (c) => expect(c.synth.selectorLabels).to.deep.equal(['app.kubernetes.io/name', 'app']) },
  'include-label-prefix': { arg: 'app.kubernetes.io,team', check: (c) => expect(c.synth.includeLabelPrefixes).to.deep.equal(['app.kubernetes.io', 'team']) },
  'ingress-annotations-prefix': {
    arg: 'custom.ingress.kubernetes.io',
    check: (c) => expect(c.synth.ingressAnnotationsPrefix).to.equal('custom.ingress.kubernetes.io'),
  },
  'ingress-class': { arg: 'contour', check: (c) => expect(c.synth.ingressClass).to.equal('contour') },
  'enable-config-tracking': { arg: 'false', check: (c) => expect(c.configTracking).to.equal(false) },
  'no-cross-namespace-refs': { arg: 'true', check: (c) => expect(c.noCrossNamespaceRefs).to.equal(true) },
  'event-webhook': { arg: 'http://events.example/flagger', check: (c) => expect(c.eventWebhook).to.equal('http://events.example/flagger') },
  'cluster-name': { arg: 'prod-eu', check: (c) => expect(c.clusterName).to.equal('prod-eu') },
  'slack-url': { arg: 'https://hooks.slack.com/services/T/B/X', check: (c) => expect(c.notifier.slackUrl).to.equal('https://hooks.slack.com/services/T/B/X') },
  'slack-proxy-url': { arg: 'http://proxy:3128', check: (c) => expect(c.notifier.slackProxy).to.equal('http://proxy:3128') },
  'slack-user': { arg: 'deploys', check: (c) => expect(c.notifier.slackUser).to.equal('deploys') },
  'slack-channel': { arg: 'releases', check: (c) => expect(c.notifier.slackChannel).to.equal('releases') },
  'msteams-url': { arg: 'https://outlook.office.com/webhook/x', check: (c) => expect(c.notifier.msteamsUrl).to.equal('https://outlook.office.com/webhook/x') },
  'msteams-proxy-url': { arg: 'http://proxy:3129', check: (c) => expect(c.notifier.msteamsProxy).to.equal('http://proxy:3129') },
  'enable-leader-election': { arg: 'true', check: (c) => expect(c.leaderElect).to.equal(true) },
  'leader-election-namespace': { arg: 'flagger-system', check: (c) => expect(c.leaderElectionNamespace).to.equal('flagger-system') },
  threadiness: { arg: '4', check: (c) => expect(c.concurrency).to.equal(4) },
  port: { arg: '9797', check: (c) => expect(c.port).to.equal(9797) },
  'log-level': { arg: 'warning', check: (c) => expect(c.logLevel).to.equal('warn') },
};

describe("sluice run: Flagger's flags", () => {
  // The first parse loads the operator's settings module (and the kube client behind it).
  before(async function () {
    this.timeout(60_000);
    await runWith([]);
  });

  it('every Flagger flag that sets something has a case here, and every other one says why it has no effect or is refused', () => {
    for (const f of FLAGGER_FLAGS) {
      if (f.env) expect(EFFECTS, f.name).to.have.property(f.name);
      else expect(f.noEffect ?? f.refused, f.name).to.be.a('string');
    }
  });

  for (const [name, { arg, check }] of Object.entries(EFFECTS)) {
    it(`-${name}=${arg} (one dash, as Flagger's Deployment writes it) and --${name} ${arg} reach the settings`, async () => {
      check((await runWith([`-${name}=${arg}`])).config);
      check((await runWith([`--${name}`, arg])).config);
    });
  }

  it('a flag wins over its environment variable; the variable alone still counts', async () => {
    const env = { SLUICE_PROVIDER: 'osm', SLUICE_INGRESS_CLASS: 'internal' };
    const { config } = await runWith(['-mesh-provider=linkerd'], env);
    expect(config.provider).to.equal('linkerd');
    expect(config.synth.ingressClass).to.equal('internal');
  });

  it("boolean flags stand alone or take =true/=false, as Go's flag package reads them", async () => {
    expect((await runWith(['-enable-leader-election'])).config.leaderElect).to.equal(true);
    expect((await runWith(['-enable-leader-election=false'], { SLUICE_LEADER_ELECT: 'true' })).config.leaderElect).to.equal(false);
    expect((await runWith(['-no-cross-namespace-refs'])).config.noCrossNamespaceRefs).to.equal(true);
    expect((await runWith(['--no-cross-namespace-refs=false'], { SLUICE_NO_CROSS_NAMESPACE_REFS: 'true' })).config.noCrossNamespaceRefs).to.equal(false);
    expect((await runWith([])).config.noCrossNamespaceRefs).to.equal(false);
    expect((await runWith(['-enable-config-tracking'])).config.configTracking).to.equal(true);
    expect((await runWith([])).config.configTracking).to.equal(true);
  });

  it("without flags: Flagger's defaults where Sluice follows them (labels copied: none; selector labels app, name, app.kubernetes.io/name)", async () => {
    const { config } = await runWith([]);
    expect(config.synth.includeLabelPrefixes).to.deep.equal([]);
    expect(config.synth.selectorLabels).to.deep.equal(['app', 'name', 'app.kubernetes.io/name']);
    expect(config.synth).not.to.have.property('ingressClass');
    expect(config).not.to.have.property('eventWebhook');
  });

  it('flags without an effect in Sluice are accepted and named in a note; -kubeconfig-service-mesh is refused with the reason', async () => {
    const { notes } = await runWith([
      '-control-loop-interval=30s',
      '-zap-encoding=console',
      '-kubeconfig-qps=50',
      '-kubeconfig-burst=100',
      '-zap-replace-globals',
    ]);
    expect(notes).to.have.length(5);
    expect(notes.find((n) => n.startsWith('-control-loop-interval'))).to.match(
      /^-control-loop-interval is accepted for compatibility with Flagger and has no effect: Sluice watches/,
    );
    let refused: unknown;
    await runWith(['-kubeconfig-service-mesh=/tmp/istio-host/kubeconfig']).catch((err: unknown) => {
      refused = err;
    });
    expect((refused as Error).message).to.equal('-kubeconfig-service-mesh is not supported: Sluice writes routing objects to the cluster of its Canaries only');
  });

  it('refuses values it cannot take, naming them: a word for a number, an unknown log level, a list of namespaces, no selector label', async () => {
    const failure = async (args: string[]) => {
      try {
        await runWith(args);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error(`${args.join(' ')} was accepted`);
    };
    expect(await failure(['-threadiness=two'])).to.include('--threadiness takes a whole number, got "two"');
    expect(await failure(['-enable-leader-election=maybe'])).to.include('--enable-leader-election takes true or false, got "maybe"');
    expect(await failure(['-log-level=loud'])).to.equal('log level "loud" is not one of debug, info, warning, error');
    expect(await failure(['-namespace=a,b'])).to.equal('SLUICE_NAMESPACE (-namespace) names one namespace, got "a,b"');
    expect(await failure(['-selector-labels=,'])).to.equal('SLUICE_SELECTOR_LABELS (-selector-labels) needs at least one label, got ","');
  });

  it("one-dash spelling is rewritten only for Flagger's flags after `run`, and not after --", () => {
    expect(argvWithFlaggerFlags(['node', 'sluice', 'run', '-mesh-provider=istio', '-enable-leader-election', '-x', '--', '-namespace=a'])).to.deep.equal([
      'node',
      'sluice',
      'run',
      '--mesh-provider=istio',
      '--enable-leader-election',
      '-x',
      '--',
      '-namespace=a',
    ]);
    expect(argvWithFlaggerFlags(['node', 'sluice', 'status', '-namespace=a'])).to.deep.equal(['node', 'sluice', 'status', '-namespace=a']);
    expect(argvWithFlaggerFlags(['node', 'sluice', 'run', '-version'])).to.deep.equal(['node', 'sluice', 'run', '--version']);
  });

  it('docs/flagger-flags.md has a row for every flag, with the variable it sets', () => {
    const doc = readFileSync('docs/flagger-flags.md', 'utf8');
    for (const f of FLAGGER_FLAGS) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`-${f.name}\``));
      expect(row, `-${f.name}`).to.be.a('string');
      if (f.env) expect(row, `-${f.name}`).to.include(`\`${f.env}\``);
    }
  });

  it('the environment alone gives the same settings as before the flags existed (defaultConfig)', () => {
    const env = { SLUICE_PROVIDER: 'kuma', SLUICE_CONCURRENCY: '8', SLACK_URL: 'https://hooks.slack.com/x', SLACK_TOKEN: 't' };
    const config = defaultConfig(env);
    expect(config).to.include({ provider: 'kuma', concurrency: 8 });
    expect(config.notifier).to.deep.equal({ slackUrl: 'https://hooks.slack.com/x', slackToken: 't' });
  });
});
