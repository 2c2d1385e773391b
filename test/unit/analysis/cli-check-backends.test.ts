// `sluice check` with a non-Prometheus backend, its keys from --secret-file: the request reaches
// the backend with them, and the report shows the backend's address, value and verdict.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from '../../../src/cli/check.js';

describe('sluice check with other metric backends', () => {
  it('a Datadog template with its keys from --secret-file: queried, judged and reported', async () => {
    const keys: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      keys.push(req.headers['dd-api-key'] as string | undefined);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', series: [{ pointlist: [[1, 7.5]] }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'sluice-check-dd-'));
      writeFileSync(
        join(dir, 'canary.yaml'),
        `
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: { name: podinfo, namespace: test }
spec:
  provider: kubernetes
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
  service: { port: 9898 }
  analysis:
    interval: 30s
    iterations: 3
    metrics:
      - name: errors
        templateRef: { name: dd-errors }
        thresholdRange: { max: 5 }
        interval: 1m
---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: { name: dd-errors, namespace: test }
spec:
  provider: { type: datadog, address: ${address}, secretRef: { name: datadog } }
  query: sum:errors{app:{{ target }}}.as_count()
`,
      );
      const secretFile = join(mkdtempSync(join(tmpdir(), 'sluice-secrets-')), 'datadog.yaml');
      writeFileSync(
        secretFile,
        `apiVersion: v1\nkind: Secret\nmetadata: { name: datadog, namespace: test }\nstringData: { datadog_api_key: from-file, datadog_application_key: app }\n`,
      );

      const without = await runCheck(join(dir, 'canary.yaml'));
      expect(without.exitCode).to.equal(1);
      expect(without.lines.join('\n')).to.include('secret test/datadog not found');

      const report = await runCheck(join(dir, 'canary.yaml'), { secretFiles: [secretFile] });
      const text = report.lines.join('\n');
      expect(report.exitCode, text).to.equal(1);
      expect(keys).to.deep.equal(['from-file']);
      expect(text).to.include('query:     sum:errors{app:podinfo}.as_count()');
      expect(text).to.include(`address:   ${address}`);
      expect(text).to.include('verdict:   fail: errors 7.50 > 5');
    } finally {
      server.close();
    }
  });
});
