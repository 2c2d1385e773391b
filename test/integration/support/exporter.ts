// A tiny Prometheus exporter whose series the test defines. Every counter grows at a fixed rate
// per second of wall time, so any rate() or increase() over it is exact whatever the scrape
// timing, and ratios of counters (a success rate) are exactly the ratios of their rates.
import { createServer, type Server } from 'node:http';
import { freePort } from './free-port.js';

export type Labels = Record<string, string>;

interface Series {
  readonly name: string;
  readonly labels: Labels;
  readonly perSecond: number;
}

export interface Exporter {
  readonly url: string;
  /** host:port, for a scrape config. */
  readonly target: string;
  /** A counter growing by `perSecond` every second. */
  counter(name: string, labels: Labels, perSecond: number): void;
  /**
   * A histogram receiving `perSecond` observations a second, all of value `observed`
   * (seconds or ms, matching the bucket bounds): the _bucket, _sum and _count series.
   */
  histogram(name: string, labels: Labels, bounds: number[], perSecond: number, observed: number): void;
  /** How many times /metrics was read. */
  scrapes(): number;
  close(): Promise<void>;
}

export async function startExporter(): Promise<Exporter> {
  const series: Series[] = [];
  const started = Date.now();
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    const elapsed = (Date.now() - started) / 1000;
    const lines = series.map((s) => `${s.name}{${formatLabels(s.labels)}} ${s.perSecond * elapsed}`);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    target: `127.0.0.1:${port}`,
    counter(name, labels, perSecond) {
      series.push({ name, labels, perSecond });
    },
    histogram(name, labels, bounds, perSecond, observed) {
      for (const le of [...bounds.map(String), '+Inf']) {
        const inBucket = le === '+Inf' || observed <= Number(le);
        series.push({ name: `${name}_bucket`, labels: { ...labels, le }, perSecond: inBucket ? perSecond : 0 });
      }
      series.push({ name: `${name}_sum`, labels, perSecond: perSecond * observed });
      series.push({ name: `${name}_count`, labels, perSecond });
    },
    scrapes: () => scrapes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function formatLabels(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');
}
