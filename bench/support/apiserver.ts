// The apiserver's own view of request latency (apiserver_request_duration_seconds sum/count and
// apiserver_admission_webhook_admission_duration_seconds), read from its /metrics: tells how much of
// a slow phase is the apiserver (and webhooks) rather than the controller.
import { kubectl } from './cluster.js';

export type ApiTimes = Map<string, { sum: number; count: number }>;

export async function apiserverTimes(): Promise<ApiTimes> {
  const text = await kubectl(['get', '--raw', '/metrics']);
  const out: ApiTimes = new Map();
  for (const line of text.split('\n')) {
    const m = /^(apiserver_request_duration_seconds|apiserver_admission_webhook_admission_duration_seconds)_(sum|count)\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const l = Object.fromEntries([...m[3].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const key =
      m[1] === 'apiserver_request_duration_seconds' ? `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ''}` : `webhook ${l.name} ${l.operation}`;
    const e = out.get(key) ?? { sum: 0, count: 0 };
    if (m[2] === 'sum') e.sum += Number(m[4]);
    else e.count += Number(m[4]);
    out.set(key, e);
  }
  return out;
}

/** "PATCH deployments 212 ms (n=672), ..." for the given keys, over the interval between two readings. */
export function describeApiTimes(before: ApiTimes, after: ApiTimes, keys: readonly string[]): string {
  return keys
    .map((k) => {
      const a = after.get(k);
      const b = before.get(k) ?? { sum: 0, count: 0 };
      if (!a || a.count - b.count <= 0) return undefined;
      return `${k} ${Math.round(((a.sum - b.sum) / (a.count - b.count)) * 1000)} ms (n=${a.count - b.count})`;
    })
    .filter(Boolean)
    .join(', ');
}

export const CONTROLLER_WRITES = [
  'PATCH deployments',
  'webhook deployments.mutate.sluice.dev UPDATE',
  'webhook owned.validate.sluice.dev UPDATE',
  'PATCH canaries/status',
  'APPLY virtualservices',
  'APPLY deployments',
  'APPLY services',
  'POST events',
  'PATCH events',
];
