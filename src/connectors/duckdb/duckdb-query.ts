/**
 * `tidemark query <file> "<SQL>"`: runs SQL against a DuckDB file and renders the result exactly.
 *
 * - The file is opened READ_ONLY, so a query never changes it. DuckDB allows one process to hold a
 *   file open for writing and no other process to open it at the same time, even read-only: while
 *   a pipeline writes the file, the query fails with a SINK_OPEN error that says so (stop the
 *   pipeline, or query a copy made while it is stopped). Several read-only queries may run at once.
 * - The file is the default catalog (attached as `tidemark_sink`, see duckdb-open.ts), so
 *   `schema.table` names a sink table also when the file is named like a schema (app_db.duckdb).
 * - Rendering: DECIMAL as its exact text (`4.00`), TIMESTAMP with its microseconds, TIMESTAMPTZ in
 *   UTC with `+00`, INTERVAL (our TIME) as `[-]HH:MM:SS[.ffffff]`, BLOB in DuckDB's own text form
 *   (printable ASCII as is, other bytes as `\xHH`), FLOAT with the shortest text that reads back
 *   as the same 32-bit float, NULL as `NULL` (table), `null` (json), an empty unquoted field (csv;
 *   the empty string is `""`).
 * - json: an array of objects. Integers are JSON numbers when within ±2^53-1, else strings;
 *   DECIMAL values are strings (exact, never rounded by a JSON reader); non-finite floats are
 *   strings; nested values (LIST, STRUCT, MAP) are rendered as their DuckDB text.
 * - csv: RFC 4180 (header line, CRLF line ends, fields quoted when they hold `,` `"` CR or LF).
 */
import { existsSync } from 'node:fs';
import { DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader, DuckDBValue } from '@duckdb/node-api';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import { openDuckDb } from './duckdb-open.js';

export type QueryFormat = 'table' | 'json' | 'csv';

export async function queryDuckDb(path: string, sql: string, format: QueryFormat): Promise<string> {
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
    let reader: DuckDBResultReader;
    try {
      reader = await conn.runAndReadAll(sql);
    } catch (e) {
      throw new TidemarkError('CONFIG_INVALID', `query failed: ${errorMessage(e)}`, {
        cause: e,
        details: { path },
      });
    }
    return renderResult(reader, format);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Renders a fully read result (its first `maxRows` rows) in the given format. */
export function renderResult(reader: DuckDBResultReader, format: QueryFormat, maxRows = Infinity): string {
  const names = reader.columnNames();
  const typeIds = names.map((_, i) => reader.columnTypeId(i));
  const all = reader.getRows();
  const rows = all.length > maxRows ? all.slice(0, maxRows) : all;
  switch (format) {
    case 'table':
      return renderTable(
        names,
        rows.map((r) => r.map((v, i) => (v === null ? 'NULL' : cellText(v, typeIds[i]!)))),
      );
    case 'csv':
      return renderCsv(
        names,
        rows.map((r) => r.map((v, i) => (v === null ? null : cellText(v, typeIds[i]!)))),
      );
    case 'json': {
      const objects = rows.map((r) => {
        const o: Record<string, unknown> = {};
        r.forEach((v, i) => {
          o[names[i]!] = jsonValue(v, typeIds[i]!);
        });
        return o;
      });
      return JSON.stringify(objects, null, 2);
    }
    default: {
      const never: never = format;
      throw new TidemarkError('CONFIG_INVALID', `unknown output format ${String(never)}`);
    }
  }
}

/** The exact text of a non-null value. */
export function cellText(v: Exclude<DuckDBValue, null>, typeId: DuckDBTypeId): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    return typeId === DuckDBTypeId.FLOAT ? shortestFloat32(v) : String(v);
  }
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return String(v);
}

function jsonValue(v: DuckDBValue, typeId: DuckDBTypeId): unknown {
  if (v === null) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    return typeId === DuckDBTypeId.FLOAT ? Number(shortestFloat32(v)) : v;
  }
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }
  return cellText(v, typeId);
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

function renderTable(names: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (s: string): string => s.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  const header = names.map(clean);
  const body = rows.map((r) => r.map(clean));
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i] ?? ''))),
  );
  const border = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: readonly string[]): string =>
    '| ' + cells.map((c, i) => c + ' '.repeat(widths[i]! - displayWidth(c))).join(' | ') + ' |';
  const out = [border, line(header), border, ...body.map(line)];
  if (body.length > 0) out.push(border);
  return out.join('\n') + '\n';
}

/** Code points, counting East Asian wide characters and emoji as two columns. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w +=
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)
        ? 2
        : 1;
  }
  return w;
}

function renderCsv(names: readonly string[], rows: readonly (readonly (string | null)[])[]): string {
  const field = (s: string | null): string => {
    if (s === null) return '';
    if (s === '' || /[",\r\n]/.test(s)) return `"${s.replaceAll('"', '""')}"`;
    return s;
  };
  return [names, ...rows].map((r) => r.map(field).join(',') + '\r\n').join('');
}
