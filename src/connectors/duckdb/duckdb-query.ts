/**
 * `tidemark query <file> "<SQL>"`: runs SQL against a DuckDB file and renders the result exactly.
 *
 * - The file is opened READ_ONLY, so a query never changes it. DuckDB allows one process to hold a
 *   file open for writing and no other process to open it at the same time, even read-only: while
 *   a pipeline writes the file, the query fails with a SINK_OPEN error that says so (stop the
 *   pipeline, or query a copy made while it is stopped). Several read-only queries may run at once.
 * - The file is the default catalog (attached as `tidemark_sink`, see duckdb-open.ts), so
 *   `schema.table` names a sink table also when the file is named like a schema (app_db.duckdb).
 * - Several statements (`SELECT 1; SELECT 2`) run in order and each result is printed: tables
 *   and CSV blocks separated by an empty line, JSON as one array per statement (a stream of JSON
 *   documents, one per line group), JSONL rows of all statements one after another. SQL DuckDB
 *   refuses is a QUERY_FAILED error (exit 1).
 * - table and csv: DECIMAL as its exact text (`4.00`), TIMESTAMP with its microseconds,
 *   TIMESTAMPTZ in UTC with `+00`, INTERVAL (our TIME) as `[-]HH:MM:SS[.ffffff]`, BLOB in DuckDB's
 *   own text form (printable ASCII as is, other bytes as `\xHH`), FLOAT with the shortest text that
 *   reads back as the same 32-bit float, nested values in DuckDB's text, NULL as `NULL` (table) or
 *   an empty unquoted field (csv; the empty string is `""`). The table right-aligns numbers, counts
 *   East Asian wide characters as two columns, and ends with the row count.
 * - csv: RFC 4180 (header line, CRLF line ends, fields quoted when they hold `,` `"` CR or LF).
 * - json / jsonl: see JSON_FORMS (the README's "Logs and output" lists the same).
 */
import { existsSync } from 'node:fs';
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTypeId,
  DuckDBUnionValue,
} from '@duckdb/node-api';
import type {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBResultReader,
  DuckDBType,
  DuckDBValue,
} from '@duckdb/node-api';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import { openDuckDb } from './duckdb-open.js';

export type QueryFormat = 'table' | 'json' | 'jsonl' | 'csv';
export const QUERY_FORMATS: readonly QueryFormat[] = ['table', 'json', 'jsonl', 'csv'];

/** How `--format json|jsonl` writes each DuckDB type (for the README and `tidemark help query`). */
export const JSON_FORMS: readonly (readonly [string, string])[] = [
  ['NULL', '`null`'],
  ['BOOLEAN', '`true` / `false`'],
  ['TINYINT … INTEGER, UTINYINT … UINTEGER', 'number'],
  [
    'BIGINT, UBIGINT, HUGEINT, UHUGEINT, BIGNUM',
    'number when within ±(2^53−1), else a string of its digits (a JSON reader would round it)',
  ],
  [
    'FLOAT, DOUBLE',
    'number (FLOAT: the shortest that reads back the same); `"NaN"`, `"Infinity"`, `"-Infinity"` as strings',
  ],
  ['DECIMAL', 'string, exact (`"4.00"`)'],
  ['VARCHAR, ENUM, UUID, BIT', 'string'],
  ['JSON', 'the JSON value itself, its text (numbers as written, never rounded)'],
  ['DATE', 'string `YYYY-MM-DD`'],
  ['TIME, TIME_NS, INTERVAL', "string `HH:MM:SS[.ffffff]` (INTERVAL in DuckDB's text)"],
  ['TIMETZ', 'string `HH:MM:SS[.ffffff]+HH[:MM]`'],
  ['TIMESTAMP, TIMESTAMP_S/_MS/_NS', 'string ISO-8601 without a zone (`2024-01-02T03:04:05.000001`)'],
  ['TIMESTAMPTZ', 'string ISO-8601 in UTC (`2024-01-02T01:04:05Z`)'],
  ['BLOB', 'string, base64'],
  ['LIST, ARRAY', 'array'],
  ['STRUCT', 'object'],
  ['MAP', "object keyed by the key's text"],
  ['UNION', 'the value of its member'],
  ['GEOMETRY, VARIANT, other', "string in DuckDB's text"],
];

/**
 * SQL that holds no statement (empty, blanks, `;`, comments): DuckDB's statement extraction fails
 * on it with a bare "Error in native callback", so it is refused first with a message that says so.
 */
export function noStatementProblem(sql: string): string | undefined {
  const rest = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/[\s;]+/g, '');
  return rest === '' ? 'the SQL holds no statement: give one, e.g. "SELECT * FROM db.t LIMIT 10"' : undefined;
}

export async function queryDuckDb(path: string, sql: string, format: QueryFormat): Promise<string> {
  const empty = noStatementProblem(sql);
  if (empty !== undefined) throw new TidemarkError('CONFIG_INVALID', empty);
  if (path !== ':memory:' && !existsSync(path)) {
    throw new TidemarkError('SINK_OPEN', `no DuckDB file at ${path}`, { details: { path } });
  }
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  try {
    ({ instance, connection: conn } = await openDuckDb(path, { readOnly: path !== ':memory:' }));
  } catch (e) {
    const msg = errorMessage(e);
    const locked = /lock/i.test(msg);
    throw new TidemarkError(
      'SINK_OPEN',
      `cannot open ${path} read-only: ${msg}` +
        (locked
          ? ' — a running pipeline holds the file open for writing; DuckDB allows no other process ' +
            'to open it meanwhile. Stop the pipeline (or query a copy of the file) and retry.'
          : ''),
      { cause: e, retryable: locked, details: { path } },
    );
  }
  try {
    const results = await runStatements(conn, sql, path);
    return renderResults(results, format);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Runs every statement of `sql` in order; the readers of those that return columns. */
async function runStatements(
  conn: DuckDBConnection,
  sql: string,
  path: string,
): Promise<DuckDBResultReader[]> {
  const failed = (e: unknown): TidemarkError =>
    new TidemarkError(
      'QUERY_FAILED',
      `query failed: ${errorMessage(e).replace(/^Failed to extract statements: /, '')}`,
      { cause: e, details: { path } },
    );
  let statements;
  try {
    statements = await conn.extractStatements(sql);
  } catch (e) {
    throw failed(e);
  }
  const readers: DuckDBResultReader[] = [];
  for (let i = 0; i < statements.count; i++) {
    try {
      const prepared = await statements.prepare(i);
      const reader = await prepared.runAndReadAll();
      if (reader.columnCount > 0) readers.push(reader);
    } catch (e) {
      throw failed(e);
    }
  }
  return readers;
}

/** Renders the results of one or more statements, each complete, the output ending in a newline. */
export function renderResults(readers: readonly DuckDBResultReader[], format: QueryFormat): string {
  const sep = format === 'table' || format === 'csv' ? '\n' : '';
  return readers.map((r) => renderResult(r, format)).join(sep);
}

/** Renders a fully read result (its first `maxRows` rows) in the given format. */
export function renderResult(reader: DuckDBResultReader, format: QueryFormat, maxRows = Infinity): string {
  const names = reader.columnNames();
  const types = names.map((_, i) => reader.columnType(i));
  const all = reader.getRows();
  const rows = all.length > maxRows ? all.slice(0, maxRows) : all;
  switch (format) {
    case 'table':
      return renderTable(
        names,
        types.map((t) => NUMERIC.has(t.typeId)),
        rows.map((r) => r.map((v, i) => (v === null ? 'NULL' : cellText(v, types[i]!.typeId)))),
      );
    case 'csv':
      return renderCsv(
        names,
        rows.map((r) => r.map((v, i) => (v === null ? null : cellText(v, types[i]!.typeId)))),
      );
    case 'json':
    case 'jsonl': {
      const objects = rows.map((r) => {
        const o: Record<string, unknown> = {};
        r.forEach((v, i) => {
          o[names[i]!] = jsonValue(v, types[i]!);
        });
        return o;
      });
      if (format === 'jsonl') return objects.map((o) => jsonText(o, '', '') + '\n').join('');
      return jsonText(objects, '  ', '') + '\n';
    }
    default: {
      const never: never = format;
      throw new TidemarkError('CONFIG_INVALID', `unknown output format ${String(never)}`);
    }
  }
}

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.BIGNUM,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

/** The exact text of a non-null value. */
export function cellText(v: Exclude<DuckDBValue, null>, typeId: DuckDBTypeId): string {
  if (typeof v === 'number' && typeId === DuckDBTypeId.FLOAT) return shortestFloat32(v);
  return String(v);
}

/** A value in its JSON form (JSON_FORMS). */
function jsonValue(v: DuckDBValue, type: DuckDBType): unknown {
  if (v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return type.alias?.toUpperCase() === 'JSON' ? rawJson(v) : v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    return type.typeId === DuckDBTypeId.FLOAT ? Number(shortestFloat32(v)) : v;
  }
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) {
    const item = (type as { valueType?: DuckDBType }).valueType ?? type;
    return v.items.map((x) => jsonValue(x, item));
  }
  if (v instanceof DuckDBStructValue) {
    const t = type as { entryNames?: readonly string[]; entryTypes?: readonly DuckDBType[] };
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v.entries)) {
      const at = t.entryNames?.indexOf(k) ?? -1;
      o[k] = jsonValue(x, t.entryTypes?.[at] ?? type);
    }
    return o;
  }
  if (v instanceof DuckDBMapValue) {
    const t = type as { valueType?: DuckDBType };
    const o: Record<string, unknown> = {};
    for (const e of v.entries) o[String(e.key)] = jsonValue(e.value, t.valueType ?? type);
    return o;
  }
  if (v instanceof DuckDBUnionValue) {
    const t = type as { memberTags?: readonly string[]; memberTypes?: readonly DuckDBType[] };
    return jsonValue(v.value, t.memberTypes?.[t.memberTags?.indexOf(v.tag) ?? -1] ?? type);
  }
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('base64');
  const text = (v as { toString(): string }).toString();
  return temporalJson(text, v, type.typeId) ?? text;
}

/** TIMESTAMP(_S/_MS/_NS) and TIMESTAMPTZ as ISO-8601 (`T` between date and time, `Z` for UTC). */
function temporalJson(text: string, v: object, typeId: DuckDBTypeId): string | undefined {
  if (!/^\d{4,}-\d\d-\d\d \d/.test(text)) return undefined; // infinity and the like stay as they are
  switch (typeId) {
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return text.replace(' ', 'T');
    case DuckDBTypeId.TIMESTAMP_TZ:
      return v instanceof DuckDBTimestampTZValue ? text.replace(' ', 'T').replace(/\+00(:00)?$/, 'Z') : text;
    default:
      return undefined;
  }
}

/**
 * A value of a JSON column, written as its own text: parsing it into JavaScript values would round
 * numbers a double cannot hold (9007199254740993, 1e400, 30-digit integers). Insignificant
 * whitespace is dropped, so that a JSONL row stays on one line.
 */
class RawJson {
  constructor(readonly text: string) {}
}

const JSON_TOKEN_OR_SPACE = /"(?:[^"\\]|\\.)*"|[ \t\n\r]+/g;

function rawJson(text: string): RawJson | string {
  try {
    JSON.parse(text);
  } catch {
    return text; // not JSON after all: its text
  }
  return new RawJson(text.replace(JSON_TOKEN_OR_SPACE, (m) => (m.startsWith('"') ? m : '')));
}

/** JSON.stringify(v, null, indent) of a row tree that may hold RawJson values (their text as is). */
function jsonText(v: unknown, indent: string, at: string): string {
  if (v instanceof RawJson) return v.text;
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const inner = at + indent;
  const [open, close] = indent ? ['\n' + inner, '\n' + at] : ['', ''];
  const sep = ',' + open;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${open}${v.map((x) => jsonText(x, indent, inner)).join(sep)}${close}]`;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return '{}';
  const colon = indent ? ': ' : ':';
  return `{${open}${entries.map(([k, x]) => JSON.stringify(k) + colon + jsonText(x, indent, inner)).join(sep)}${close}}`;
}

/** Shortest decimal text that reads back as the same float32 (DuckDB prints FLOAT that way). */
export function shortestFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

function renderTable(
  names: readonly string[],
  rightAligned: readonly boolean[],
  rows: readonly (readonly string[])[],
): string {
  const clean = (s: string): string => s.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  const header = names.map(clean);
  const body = rows.map((r) => r.map(clean));
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i] ?? ''))),
  );
  const border = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const pad = (c: string, i: number, right: boolean): string => {
    const fill = ' '.repeat(widths[i]! - displayWidth(c));
    return right ? fill + c : c + fill;
  };
  const line = (cells: readonly string[], aligned: boolean): string =>
    '| ' + cells.map((c, i) => pad(c, i, aligned && rightAligned[i]!)).join(' | ') + ' |';
  const out = [border, line(header, false), border, ...body.map((r) => line(r, true))];
  if (body.length > 0) out.push(border);
  out.push(`(${body.length} row${body.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}

/**
 * Terminal columns of a text: East Asian wide and fullwidth characters and emoji count two,
 * combining marks, variation selectors and zero-width characters none.
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (isZeroWidth(ch, cp)) continue;
    w +=
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0x303e) ||
      (cp >= 0x3041 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)
        ? 2
        : 1;
  }
  return w;
}

function isZeroWidth(ch: string, cp: number): boolean {
  return (
    /^[\p{Mn}\p{Me}]$/u.test(ch) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    cp === 0x2060 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff
  );
}

function renderCsv(names: readonly string[], rows: readonly (readonly (string | null)[])[]): string {
  const field = (s: string | null): string => {
    if (s === null) return '';
    if (s === '' || /[",\r\n]/.test(s)) return `"${s.replaceAll('"', '""')}"`;
    return s;
  };
  return [names, ...rows].map((r) => r.map(field).join(',') + '\r\n').join('');
}
