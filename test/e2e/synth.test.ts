// `kubectl apply -f dist/` must be accepted by a real apiserver with the provider CRDs installed
// (crds/providers, applied by test/cluster/up.sh). Every file of dist/ (the examples at weight 0,
// written by `cdk8s synth`) and every golden file (A/B, mirroring, Blue/Green, ... steps) is applied
// with a server-side dry run and strict field validation, so a field a CRD does not know fails the
// test instead of being pruned silently.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureCluster, kubectl } from '../support/cluster.js';

function yamlFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(path, suffix);
    return e.name.endsWith(suffix) ? [path] : [];
  });
}

const distFiles = yamlFiles('dist', '.k8s.yaml').sort();
const goldenFiles = yamlFiles('test/golden', '.yaml').sort();

function namespacesOf(files: string[]): string[] {
  const namespaces = new Set<string>();
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const ns = (doc.toJS() as { metadata?: { namespace?: string } } | null)?.metadata?.namespace;
      if (ns) namespaces.add(ns);
    }
  }
  return [...namespaces].sort();
}

const dryRun = (file: string) => kubectl(['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=sluice', '-f', file]);

describe('e2e: synthesized objects are accepted by the apiserver (server-side dry run)', function () {
  this.timeout(120_000);

  before(async function () {
    this.timeout(60 * 60_000); // a cold build of the cluster's binaries takes ~20 min
    await ensureCluster();
    // A dry run still needs the namespaces; creating them is the only real write of this test.
    const namespaces = namespacesOf([...distFiles, ...goldenFiles]);
    const manifests = namespaces.map((name) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })).join('\n');
    await kubectl(['apply', '-f', '-'], { input: manifests });
  });

  it('dist/ has a file for every example', () => {
    expect(distFiles.length).to.be.greaterThanOrEqual(9);
  });

  for (const file of distFiles) {
    it(`accepts ${file}`, async () => {
      const out = await dryRun(file);
      expect(out).to.match(/serverside-applied \(server dry run\)/);
    });
  }

  for (const file of goldenFiles) {
    it(`accepts ${file}`, async () => {
      await dryRun(file);
    });
  }
});
