// InfluxDB 2: a Flux query over the query API (POST <address>/api/v2/query?org=<org>, token in
// `Authorization: Token <token>`), answered as annotated CSV. The query sets its own range
// (|> range(start: -{{ interval }})). Each table of the answer is a series, worth its first
// record's _value. Flagger reads an answer without records as 0; Sluice reads it as no values.
import {
  configError,
  providerHeaders,
  requireKeys,
  seriesResult,
  type BackendClient,
  type BackendSettings,
  type MetricBackend,
  type SecretKey,
  type SeriesValue,
} from './backend.js';
import { baseUrlOf, endpointOf, exchange, failure, urlAt, type BackendEndpoint } from './exchange.js';

const SECRET_KEYS: readonly SecretKey[] = [
  { name: 'token', required: 'with-secret', what: 'an API token, sent as Authorization: Token' },
  { name: 'org', required: 'with-secret', what: 'the organization the query runs in' },
];

export const influxdb: MetricBackend = {
  title: 'InfluxDB',
  secretKeys: SECRET_KEYS,
  window: 'none added: the Flux query sets it (|> range(start: -{{ interval }}))',
  probe: 'the query API runs from(bucket: "default") |> range(start: -2h)',
  manySeries: { rule: 'first', oneSeries: 'merge the tables with group() before the aggregate' },
  connect: (settings) => connectInflux(settings),
};

/** The dialect Flagger's client asks for: a header row and the three annotation rows. */
const DIALECT = { header: true, delimiter: ',', annotations: ['datatype', 'group', 'default'], commentPrefix: '#', dateTimeFormat: 'RFC3339' };

function connectInflux(settings: BackendSettings): BackendClient {
  if (!settings.address) throw configError('InfluxDB', '', 'spec.provider.address is required (the InfluxDB 2 URL)');
  const at = endpointOf('InfluxDB', settings.address);
  requireKeys(at.title, at.address, SECRET_KEYS, settings.secret);
  const base = baseUrlOf(at, settings.address);
  const { token, org } = settings.secret ?? {};
  const headers: Record<string, string> = {
    ...providerHeaders(settings.headers),
    'content-type': 'application/json',
    accept: 'application/csv',
    ...(token ? { authorization: `Token ${token}` } : {}),
  };
  const run = async (flux: string) => {
    const res = await exchange(at, {
      url: urlAt(base, '/api/v2/query', org ? { org } : {}),
      method: 'POST',
      headers,
      body: JSON.stringify({ query: flux, type: 'flux', dialect: DIALECT }),
      deadlineMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      insecureSkipVerify: settings.insecureSkipVerify,
    });
    return seriesOfCsv(at, res.body.toString('utf8'));
  };
  return {
    address: at.address,
    query: async (flux) => seriesResult(await run(flux)),
    probe: async () => {
      await run('from(bucket: "default") |> range(start: -2h)');
    },
  };
}

/** Annotated CSV: tables each start with annotation rows (#datatype, #group, #default) and a header. */
export function seriesOfCsv(at: BackendEndpoint, text: string): SeriesValue[] {
  const series = new Map<string, SeriesValue>();
  let datatypes: string[] = [];
  let defaults: string[] = [];
  let header: string[] | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      header = undefined;
      datatypes = [];
      defaults = [];
      continue;
    }
    const row = csvRow(line);
    if (row[0] === '#datatype') {
      datatypes = row;
      header = undefined;
      continue;
    }
    if (row[0] === '#default') {
      defaults = row;
      continue;
    }
    if (row[0]?.startsWith('#')) continue;
    if (!header) {
      header = row;
      continue;
    }
    const cell = (name: string) => {
      const i = header!.indexOf(name);
      if (i < 0) return { value: undefined, type: undefined };
      const raw = row[i] === '' || row[i] === undefined ? (defaults[i] ?? '') : row[i];
      return { value: raw, type: datatypes[i] };
    };
    const error = cell('error');
    if (error.value) throw failure(at, ` failed the query: ${error.value}`, 'bad-query');
    const key = `${cell('result').value ?? ''}/${cell('table').value ?? ''}`;
    if (series.has(key)) continue; // a table is worth its first record, as Flagger reads it
    const v = cell('_value');
    series.set(key, { labels: { result: cell('result').value || '_result', table: cell('table').value ?? '' }, value: valueOf(at, v.value, v.type) });
  }
  return [...series.values()];
}

function valueOf(at: BackendEndpoint, raw: string | undefined, type: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (type === undefined || type === 'double' || type === 'long' || type === 'unsignedLong') {
    if (raw === 'NaN') return NaN;
    if (raw === '+Inf') return Infinity;
    if (raw === '-Inf') return -Infinity;
    const n = Number(raw);
    if (!Number.isNaN(n)) return n;
  }
  throw failure(at, ` answered a _value that is not a number (${type ?? 'untyped'} ${JSON.stringify(raw.slice(0, 40))})`, 'unexpected');
}

/** One CSV line (RFC 4180 quoting: "" inside quotes is a quote). */
function csvRow(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}
