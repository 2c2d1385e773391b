// A tiny HTTPS client for tests and the benchmark: one request, trusting only the given CA.
import { request, type Agent } from 'node:https';

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export function httpsRequest(
  url: string,
  options: { ca: string; method?: string; body?: string | Buffer; agent?: Agent; headers?: Record<string, string> },
): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (options.body !== undefined ? 'POST' : 'GET'),
        ca: options.ca,
        agent: options.agent,
        headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
