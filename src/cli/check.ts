// `sluice check <file-or-canary>`: runs every metric check of a Canary once, as the controller's
// analysis tick would, and prints per metric the rendered query, the value, the threshold and
// the verdict. This is how a user finds out why a canary halts without waiting for a rollout.
//   a path   the Canaries in that file (or folder); MetricTemplates and Secrets are looked up in
//            the same file and the other YAML files of its folder
//   a name   the Canary, its MetricTemplates and Secrets are read from the cluster
// --secret-file adds Secrets (YAML, e.g. `kubectl get secret -o yaml`) that the MetricTemplates'
// secretRefs name, for backends whose keys are not kept next to the Canary.
// Exit codes: 0 every check passed, 1 some check did not pass, 2 nothing could be checked.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { resolveCanary, type ResolvedCanary } from '../api/defaults.js';
import { formatProblem } from '../api/problem.js';
import { GROUP_VERSION, type Canary, type JudgeStatus, type MetricTemplate } from '../api/types.js';
import { validateCanary } from '../api/validate.js';
import { expandPaths, readManifestFile, readManifests } from '../io/manifests.js';
import { prometheusClients, refNamesOf, runMetricChecks, type MetricCheckDeps, type MetricVerdict, type TemplateRef } from '../analysis/run-checks.js';

export interface CheckOptions {
  /** Query this Prometheus instead of every address in the Canary and its MetricTemplates. */
  readonly prometheus?: string;
  readonly namespace?: string;
  readonly kubeconfig?: string;
  /** The operator's default provider, for Canaries that set none. */
  readonly provider?: string;
  readonly timeoutMs?: number;
  /** YAML files of Secrets, looked up before the Canary's own files (or the cluster). */
  readonly secretFiles?: readonly string[];
}

export interface CheckReport {
  readonly lines: string[];
  readonly exitCode: 0 | 1 | 2;
}

/** What check needs from where the Canary comes from. */
interface CanarySource {
  readonly canaries: Canary[];
  readonly getTemplate: MetricCheckDeps['getTemplate'];
  readonly getSecret: MetricCheckDeps['getSecret'];
  readonly kube?: MetricCheckDeps['kube'];
}

interface SecretDoc {
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export async function runCheck(target: string, options: CheckOptions = {}): Promise<CheckReport> {
  const source = existsSync(target) ? sourceFromFiles(target, options.namespace) : await sourceFromCluster(target, options);
  if (source.canaries.length === 0) return { lines: [`no Canary found in ${target}`], exitCode: 2 };
  const base = prometheusClients(options.timeoutMs);
  const fromSecretFiles = options.secretFiles?.length ? secretsFromFiles(options.secretFiles) : undefined;
  const deps: MetricCheckDeps = {
    prometheusFor: (address, auth) => base(options.prometheus ?? address, auth),
    getTemplate: source.getTemplate,
    getSecret: fromSecretFiles ? async (ns, name) => fromSecretFiles(ns, name) ?? source.getSecret(ns, name) : source.getSecret,
    ...(source.kube ? { kube: source.kube } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  const lines: string[] = [];
  let allPassed = true;
  for (const canary of source.canaries) {
    const where = `Canary ${canary.metadata.namespace}/${canary.metadata.name}`;
    const problems = validateCanary(canary, options.provider);
    if (problems.length > 0) {
      lines.push(`${where}: invalid, not checked`, ...problems.map((p) => `  ${formatProblem(p)}`));
      allPassed = false;
      continue;
    }
    const resolved = resolveCanary(canary, options.provider ? { provider: options.provider } : {});
    const verdicts = await runMetricChecks(resolved, deps, refNamesOf(canary));
    lines.push(...formatCanaryReport(resolved, verdicts, options.prometheus));
    if (verdicts.some((v) => v.result !== 'pass')) allPassed = false;
  }
  return { lines, exitCode: allPassed ? 0 : 1 };
}

/** The printed report of one Canary: a header, then a block per metric, then a tally. */
export function formatCanaryReport(resolved: ResolvedCanary, verdicts: MetricVerdict[], prometheusOverride?: string): string[] {
  const lines = [`Canary ${resolved.namespace}/${resolved.name}  provider ${resolved.provider}  Prometheus ${prometheusOverride ?? resolved.metricsServer}`];
  if (verdicts.length === 0) lines.push('  no metrics: the analysis has nothing to check');
  for (const v of verdicts) {
    lines.push(`  ${v.name}: ${v.result === 'pass' ? 'pass' : v.result.toUpperCase()}`);
    if (v.query !== undefined) lines.push(`    query:     ${v.query.replace(/\s+/g, ' ').trim()}`);
    if (v.address !== undefined && v.address !== (prometheusOverride ?? resolved.metricsServer)) lines.push(`    address:   ${v.address}`);
    lines.push(`    value:     ${v.value === undefined ? '-' : formatValue(v.name, v.value)}`);
    lines.push(`    threshold: ${formatThreshold(v)}`);
    if (v.requestCount !== undefined) lines.push(`    requests:  ${formatValue('', v.requestCount)} in the interval`);
    if (v.judge) lines.push(`    judge:     ${judgeLine(v.judge)}`);
    lines.push(`    verdict:   ${v.result}: ${v.message}`);
    if (v.halt) lines.push(`    event:     ${v.halt}`);
    else if (v.seriesWarning) lines.push(`    event:     ${v.seriesWarning}`);
  }
  const passed = verdicts.filter((v) => v.result === 'pass').length;
  lines.push(`  ${verdicts.length} check${verdicts.length === 1 ? '' : 's'}: ${passed} passed, ${verdicts.length - passed} did not pass`);
  return lines;
}

/** "high: canary 262ms vs primary 181ms (+45%, p=0.003), 12 and 12 samples". */
function judgeLine(j: JudgeStatus): string {
  const samples = j.canarySamples !== undefined ? `, samples canary ${j.canarySamples}, primary ${j.primarySamples ?? 0}` : '';
  return `${j.classification}: ${j.message ?? ''}${j.classification === 'nodata' ? '' : samples}`;
}

function formatValue(name: string, value: number): string {
  const shown = Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
  if (name === 'request-success-rate') return `${shown}%`;
  if (name === 'request-duration') return `${shown}ms`;
  return shown;
}

function formatThreshold(v: MetricVerdict): string {
  const parts = [...(v.min !== undefined ? [`min ${formatValue(v.name, v.min)}`] : []), ...(v.max !== undefined ? [`max ${formatValue(v.name, v.max)}`] : [])];
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * Canaries from `path` (a file, or every YAML file of a folder); MetricTemplates and Secrets
 * also from the other YAML files next to a file, since templates often live apart.
 */
function sourceFromFiles(path: string, namespace?: string): CanarySource {
  const own = readManifests([path]).map((d) => d.object);
  const neighbours = statSync(path).isDirectory()
    ? []
    : expandPaths([dirname(path)])
        .filter((file) => file !== path)
        .flatMap((file) => {
          try {
            return readManifestFile(file).map((d) => d.object);
          } catch {
            return []; // an unrelated broken file next to the Canary does not stop the check
          }
        });
  const objects = [...own, ...neighbours];
  const isFlagger = (o: Record<string, unknown>, kind: string) => o.apiVersion === GROUP_VERSION && o.kind === kind;
  const canaries = own
    .filter((o) => isFlagger(o, 'Canary'))
    .map((o) => o as unknown as Canary)
    .map((c) => ({ ...c, metadata: { ...c.metadata, namespace: c.metadata?.namespace ?? namespace ?? 'default' } }))
    .filter((c) => namespace === undefined || c.metadata.namespace === namespace);
  const templates = objects.filter((o) => isFlagger(o, 'MetricTemplate')).map((o) => o as unknown as MetricTemplate);
  const secrets = objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Secret').map((o) => o as SecretDoc);
  // An object written without a namespace is taken to be in whichever namespace asks for it.
  const inNamespace = (meta: { namespace?: string } | undefined, ns: string) => !meta?.namespace || meta.namespace === ns;
  return {
    canaries,
    getTemplate: async (ref: TemplateRef) => {
      const found = templates.find((t) => t.metadata?.name === ref.name && inNamespace(t.metadata, ref.namespace));
      if (!found) throw new Error(`not found in ${path} or the YAML files next to it`);
      return { ...found, metadata: { ...found.metadata, namespace: found.metadata.namespace ?? ref.namespace } };
    },
    getSecret: async (ns: string, name: string) => {
      const found = secrets.find((s) => s.metadata?.name === name && inNamespace(s.metadata, ns));
      if (!found) throw new Error(`secret ${ns}/${name} not found in ${path} or the YAML files next to it`);
      return secretData(found);
    },
  };
}

/** The Secrets of --secret-file: by name, and by namespace when the file gives one. */
function secretsFromFiles(files: readonly string[]): (namespace: string, name: string) => Record<string, string> | undefined {
  const secrets = readManifests([...files])
    .map((d) => d.object)
    .filter((o) => o.apiVersion === 'v1' && o.kind === 'Secret')
    .map((o) => o as SecretDoc);
  return (namespace, name) => {
    const found = secrets.find((s) => s.metadata?.name === name && (!s.metadata?.namespace || s.metadata.namespace === namespace));
    return found ? secretData(found) : undefined;
  };
}

function secretData(secret: SecretDoc): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return { ...out, ...(secret.stringData ?? {}) };
}

/** The named Canary and its templates and secrets, read from the cluster. */
async function sourceFromCluster(name: string, options: CheckOptions): Promise<CanarySource> {
  // Loaded only here: the Kubernetes client costs half a second and is not needed for files.
  const { loadKubeConfig, KubeClient, RESOURCES, isNotFound } = await import('../kube/index.js');
  let kubeConfig;
  try {
    kubeConfig = loadKubeConfig(options.kubeconfig ? { path: options.kubeconfig } : {});
  } catch (err) {
    throw new Error(`${JSON.stringify(name)} is not a file, and reading it from a cluster failed: ${(err as Error).message}`, { cause: err });
  }
  const client = new KubeClient(kubeConfig);
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const namespace = options.namespace ?? contextNamespace ?? 'default';
  const notFound = (what: string) => (err: unknown) => {
    throw isNotFound(err) ? new Error(`${what} not found`) : err;
  };
  const canary = await client.get<Canary>(RESOURCES.canaries, name, namespace).catch(notFound(`Canary ${namespace}/${name}`));
  const { kubeAccess } = await import('../controller/cluster-metric-deps.js');
  return {
    canaries: [canary],
    kube: kubeAccess(client),
    getTemplate: (ref) => client.get<MetricTemplate>(RESOURCES.metricTemplates, ref.name, ref.namespace).catch(notFound('not found')),
    getSecret: async (ns, secretName) => {
      const secret = await client.get<SecretDoc>(RESOURCES.secrets, secretName, ns).catch(notFound(`secret ${ns}/${secretName}`));
      return secretData(secret);
    },
  };
}

export function checkCommand(): Command {
  return new Command('check')
    .description('run every metric check of a Canary once and print query, value, threshold and verdict; exits 1 when a check does not pass')
    .argument('<file-or-canary>', 'a Canary YAML file or folder, or the name of a Canary in the cluster')
    .option('--prometheus <url>', "query this Prometheus instead of the Canary's metricsServer and the MetricTemplates' addresses")
    .option('-n, --namespace <ns>', 'namespace of the Canary (cluster), or only Canaries of this namespace (files)')
    .option('--kubeconfig <path>', 'kubeconfig to read the Canary from (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--provider <name>', 'the operator default provider, for Canaries that set none', 'istio')
    .option('--secret-file <file>', 'YAML with the Secrets the MetricTemplates name (repeatable); looked up first', (file: string, files: string[] = []) => [
      ...files,
      file,
    ])
    .action(async (target: string, opts: { prometheus?: string; namespace?: string; kubeconfig?: string; provider: string; secretFile?: string[] }) => {
      const report = await runCheck(target, { ...opts, ...(opts.secretFile ? { secretFiles: opts.secretFile } : {}) });
      // `sluice check x | head` closes the pipe early; that is not an error of the check.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      });
      process.stdout.write(report.lines.join('\n') + '\n');
      process.exitCode = report.exitCode;
    });
}
