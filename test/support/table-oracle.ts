/**
 * Table oracle: compares a MariaDB table (the source of truth) with its DuckDB sink table value by
 * value, type-aware, and lists every difference (table, key, column, source value, sink value).
 *
 * Column types come from MariaDB's information_schema; each value on both sides is rendered into
 * one canonical text per MySQL type (oracle-values.ts documents each rendering), so equality is
 * exact string equality: DECIMAL digits, the stored float32 of a FLOAT, DOUBLE bits, DATETIME /
 * TIME / TIMESTAMP to the microsecond (TIMESTAMP as the UTC instant), bytes as hex, text as the
 * Unicode the server gives, JSON semantically with exact numbers. Zero dates follow the explicit
 * `zeroDates` rule of the options.
 *
 * Rows are matched by primary key when the source table has one, else compared as multisets
 * (unmatched rows are paired by their most similar counterpart to name the differing columns).
 * Sink tables/columns are matched by name (exactly, else case-insensitively, as DuckDB resolves
 * names); sink columns the source lacks are not compared (the sink keeps dropped columns under
 * lenient schema changes). One metadata query per database and one data query per table on each
 * side; no per-row round trips.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { MariaDbInstance } from './mariadb.js';
import {
  canonicalSink,
  canonicalSource,
  isKeyText,
  mariaExpression,
  quoteMaria,
  sourceColumn,
  type SourceColumn,
  type ZeroDateRule,
} from './oracle-values.js';

export type { ZeroDateRule } from './oracle-values.js';

export interface OracleOptions {
  /**
   * Zero dates (`0000-00-00`, a zero month or day, the zero TIMESTAMP): `sink-null` expects the
   * DuckDB sink's documented NULL for them; `exact` expects their text (so NULL is a difference).
   */
  readonly zeroDates: ZeroDateRule;
  /** Differences listed per table before a `truncated` entry counts the rest; default 50. */
  readonly maxDiffsPerTable?: number;
}

export type OracleDiffKind =
  'missing-table' | 'extra-table' | 'missing-column' | 'missing-row' | 'extra-row' | 'value' | 'truncated';

export interface OracleDiff {
  readonly kind: OracleDiffKind;
  /** `db.table` of the source (for `extra-table`: `schema.table` of the sink). */
  readonly table: string;
  /** The row: `id=3`, `a=1, b=x`, or `(no primary key) col=…` for a table without one. */
  readonly key?: string;
  readonly column?: string;
  /** Canonical text of the source value (null: SQL NULL); for rows, the whole row. */
  readonly source?: string | null;
  readonly sink?: string | null;
  /** COLUMN_TYPE of the source column and data_type of the sink column. */
  readonly sourceType?: string;
  readonly sinkType?: string;
  /** `truncated`: how many further differences the table has. */
  readonly more?: number;
}

/** The source side: anything that runs SQL on the MariaDB server (a MariaDbInstance). */
export type OracleSource = Pick<MariaDbInstance, 'query'>;

interface SourceTable {
  readonly name: string;
  readonly columns: SourceColumn[];
  /** Primary key columns, in key order (empty: none). */
  readonly key: string[];
}

interface SinkTable {
  readonly schema: string;
  readonly name: string;
  readonly columns: Map<string, { readonly name: string; readonly type: string }>;
}

type CanonicalRow = readonly (string | null)[];

/** One line per difference, for assertion messages and reports. */
export function formatDiff(d: OracleDiff): string {
  const show = (v: string | null | undefined): string => (v === null ? 'NULL' : JSON.stringify(v ?? ''));
  switch (d.kind) {
    case 'missing-table':
      return `${d.table}: table missing in the sink`;
    case 'extra-table':
      return `${d.table}: sink table without a source table`;
    case 'missing-column':
      return `${d.table}: column ${d.column} (${d.sourceType}) missing in the sink`;
    case 'missing-row':
      return `${d.table} [${d.key}]: row missing in the sink: ${d.source}`;
    case 'extra-row':
      return `${d.table} [${d.key}]: row in the sink only: ${d.sink}`;
    case 'value':
      return `${d.table} [${d.key}] ${d.column} (${d.sourceType} → ${d.sinkType}): source ${show(d.source)}, sink ${show(d.sink)}`;
    case 'truncated':
      return `${d.table}: ${d.more} more differences`;
    default:
      return unknownDiff(d.kind);
  }
}

function unknownDiff(k: never): never {
  throw new Error(`unknown diff kind ${String(k)}`);
}

/** Opens a DuckDB file read-only (the sink must not be open for writing elsewhere). */
export async function openDuckDbReadOnly(path: string): Promise<{ conn: DuckDBConnection; close(): void }> {
  const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  return {
    conn,
    close() {
      conn.closeSync();
      db.closeSync();
    },
  };
}

/** Compares one source table with one sink table. */
export async function compareTable(
  maria: OracleSource,
  source: { readonly database: string; readonly table: string },
  duck: DuckDBConnection,
  sink: { readonly schema: string; readonly table: string },
  opts: OracleOptions,
): Promise<OracleDiff[]> {
  const src = (await loadSourceTables(maria, [source.database], source.table))
    .get(source.database)
    ?.get(source.table);
  if (!src) throw new Error(`table oracle: source table ${source.database}.${source.table} does not exist`);
  const sinkTable = findByName(findByName(await loadSinkTables(duck), sink.schema)?.tables, sink.table);
  return compareLoaded(maria, source.database, src, duck, sinkTable, opts);
}

/**
 * Compares every table of a source database with the sink schema of the same name (or `sinkSchema`);
 * sink tables without a source table are reported as `extra-table`.
 */
export async function compareDatabase(
  maria: OracleSource,
  database: string,
  duck: DuckDBConnection,
  opts: OracleOptions & { readonly sinkSchema?: string },
): Promise<OracleDiff[]> {
  return compareSchemas(maria, [{ database, schema: opts.sinkSchema ?? database }], duck, opts);
}

/**
 * compareDatabase for several databases at once (each with the sink schema of its name), with one
 * metadata query per kind for all of them: for suites of many small databases.
 */
export async function compareDatabases(
  maria: OracleSource,
  databases: readonly string[],
  duck: DuckDBConnection,
  opts: OracleOptions,
): Promise<OracleDiff[]> {
  return compareSchemas(
    maria,
    databases.map((database) => ({ database, schema: database })),
    duck,
    opts,
  );
}

async function compareSchemas(
  maria: OracleSource,
  pairs: readonly { readonly database: string; readonly schema: string }[],
  duck: DuckDBConnection,
  opts: OracleOptions,
): Promise<OracleDiff[]> {
  if (pairs.length === 0) return [];
  const sources = await loadSourceTables(
    maria,
    pairs.map((p) => p.database),
  );
  const sinkSchemas = await loadSinkTables(duck);
  const diffs: OracleDiff[] = [];
  for (const { database, schema } of pairs) {
    const sinks = findByName(sinkSchemas, schema)?.tables ?? new Map<string, SinkTable>();
    const matched = new Set<SinkTable>();
    for (const src of sources.get(database)?.values() ?? []) {
      const sink = findByName(sinks, src.name);
      if (sink) matched.add(sink);
      diffs.push(...(await compareLoaded(maria, database, src, duck, sink, opts)));
    }
    for (const sink of sinks.values()) {
      if (!matched.has(sink)) diffs.push({ kind: 'extra-table', table: `${sink.schema}.${sink.name}` });
    }
  }
  return diffs;
}

function findByName<T extends { readonly name: string }>(
  m: ReadonlyMap<string, T> | undefined,
  name: string,
): T | undefined {
  if (!m) return undefined;
  const exact = m.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  return [...m.values()].find((t) => t.name.toLowerCase() === lower);
}

async function compareLoaded(
  maria: OracleSource,
  database: string,
  src: SourceTable,
  duck: DuckDBConnection,
  sink: SinkTable | undefined,
  opts: OracleOptions,
): Promise<OracleDiff[]> {
  const id = `${database}.${src.name}`;
  if (!sink) return [{ kind: 'missing-table', table: id }];
  const diffs: OracleDiff[] = [];
  const pairs: ColumnPair[] = [];
  for (const c of src.columns) {
    const s = findByName(sink.columns, c.name);
    if (s) pairs.push({ source: c, sinkName: s.name, sinkType: s.type });
    else diffs.push({ kind: 'missing-column', table: id, column: c.name, sourceType: c.columnType });
  }
  const srcRows = await readSourceRows(maria, database, src, pairs, opts.zeroDates);
  const sinkRows = await readSinkRows(duck, sink, pairs);
  const keyIdx = src.key.map((k) => pairs.findIndex((p) => p.source.name === k));
  const rowDiffs =
    keyIdx.length > 0 && keyIdx.every((i) => i >= 0)
      ? diffByKey(id, pairs, keyIdx, srcRows, sinkRows)
      : diffAsMultiset(id, pairs, srcRows, sinkRows);
  diffs.push(...rowDiffs);
  const max = opts.maxDiffsPerTable ?? 50;
  if (diffs.length <= max) return diffs;
  return [...diffs.slice(0, max), { kind: 'truncated', table: id, more: diffs.length - max }];
}

interface ColumnPair {
  readonly source: SourceColumn;
  readonly sinkName: string;
  readonly sinkType: string;
}

type SourceTables = Map<string, Map<string, SourceTable>>;

/** Source tables of the databases (or the one table named): columns, render kinds, primary key. */
async function loadSourceTables(
  maria: OracleSource,
  databases: readonly string[],
  table?: string,
): Promise<SourceTables> {
  const one = (col: string): string => (table === undefined ? '' : ` AND ${col} = ?`);
  const params = table === undefined ? [databases] : [databases, table];
  const columnRows = await maria.query<{ s: string; t: string; n: string; dt: string; ct: string }[]>(
    `SELECT c.TABLE_SCHEMA AS s, c.TABLE_NAME AS t, c.COLUMN_NAME AS n, c.DATA_TYPE AS dt, c.COLUMN_TYPE AS ct
       FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES tb ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME
      WHERE tb.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND c.TABLE_SCHEMA IN (?)${one('c.TABLE_NAME')}
      ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
    params,
  );
  const keyRows = await maria.query<{ s: string; t: string; n: string }[]>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS n FROM information_schema.STATISTICS
      WHERE INDEX_NAME = 'PRIMARY' AND TABLE_SCHEMA IN (?)${one('TABLE_NAME')}
      ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX`,
    params,
  );
  const isJson = await jsonColumns(maria, databases);
  const out: SourceTables = new Map();
  const entry = (s: string, t: string): SourceTable => {
    let tables = out.get(s);
    if (!tables) out.set(s, (tables = new Map()));
    let e = tables.get(t);
    if (!e) tables.set(t, (e = { name: t, columns: [], key: [] }));
    return e;
  };
  for (const r of columnRows) {
    entry(r.s, r.t).columns.push(sourceColumn(r.n, r.dt, r.ct, isJson(r.s, r.t, r.n)));
  }
  for (const r of keyRows) out.get(r.s)?.get(r.t)?.key.push(r.n);
  return out;
}

/** MariaDB's JSON is LONGTEXT with CHECK (json_valid(`c`)): which columns have that check. */
async function jsonColumns(
  maria: OracleSource,
  databases: readonly string[],
): Promise<(s: string, t: string, column: string) => boolean> {
  const checks = await maria.query<{ s: string; t: string; c: string }[]>(
    `SELECT CONSTRAINT_SCHEMA AS s, TABLE_NAME AS t, CHECK_CLAUSE AS c
       FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN (?)`,
    [databases],
  );
  const set = new Set(checks.map((k) => JSON.stringify([k.s, k.t, k.c])));
  return (s, t, column) => set.has(JSON.stringify([s, t, `json_valid(\`${column.replace(/`/g, '``')}\`)`]));
}

interface SinkSchema {
  readonly name: string;
  readonly tables: Map<string, SinkTable>;
}

/** Every table of the DuckDB file, by schema, with its columns and DuckDB types (one query). */
async function loadSinkTables(duck: DuckDBConnection): Promise<Map<string, SinkSchema>> {
  const reader = await duck.runAndReadAll(
    `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
      WHERE table_catalog = current_database() ORDER BY table_schema, table_name, ordinal_position`,
  );
  const out = new Map<string, SinkSchema>();
  for (const [s, t, c, type] of reader.getRows() as [string, string, string, string][]) {
    let schema = out.get(s);
    if (!schema) out.set(s, (schema = { name: s, tables: new Map() }));
    let table = schema.tables.get(t);
    if (!table) schema.tables.set(t, (table = { schema: s, name: t, columns: new Map() }));
    table.columns.set(c, { name: c, type });
  }
  return out;
}

async function readSourceRows(
  maria: OracleSource,
  database: string,
  src: SourceTable,
  pairs: readonly ColumnPair[],
  zeroDates: ZeroDateRule,
): Promise<CanonicalRow[]> {
  if (pairs.length === 0) return [];
  const exprs = pairs.map((p, i) => `${mariaExpression(p.source)} AS \`c${i}\``);
  const rows = await maria.query<Record<string, unknown>[]>(
    `SELECT ${exprs.join(', ')} FROM ${quoteMaria(database)}.${quoteMaria(src.name)}`,
  );
  return rows.map((r) =>
    pairs.map((p, i) => {
      const v = r[`c${i}`];
      if (v !== null && typeof v !== 'string') {
        throw new Error(`table oracle: ${database}.${src.name}.${p.source.name} did not come back as text`);
      }
      return canonicalSource(p.source, v, isKeyText(p.source, p.sinkType) ? 'exact' : zeroDates);
    }),
  );
}

async function readSinkRows(
  duck: DuckDBConnection,
  table: SinkTable,
  pairs: readonly ColumnPair[],
): Promise<CanonicalRow[]> {
  if (pairs.length === 0) return [];
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const reader = await duck.runAndReadAll(
    `SELECT ${pairs.map((p) => q(p.sinkName)).join(', ')} FROM ${q(table.schema)}.${q(table.name)}`,
  );
  return reader.getRows().map((r) => pairs.map((p, i) => canonicalSink(p.source, r[i], p.sinkType)));
}

function keyLabel(pairs: readonly ColumnPair[], keyIdx: readonly number[], row: CanonicalRow): string {
  return keyIdx.map((i) => `${pairs[i]!.source.name}=${row[i] ?? 'NULL'}`).join(', ');
}

function rowText(pairs: readonly ColumnPair[], row: CanonicalRow): string {
  return pairs
    .map((p, i) => `${p.source.name}=${row[i] === null ? 'NULL' : JSON.stringify(row[i])}`)
    .join(', ');
}

function valueDiffs(
  id: string,
  key: string,
  pairs: readonly ColumnPair[],
  src: CanonicalRow,
  sink: CanonicalRow,
): OracleDiff[] {
  const out: OracleDiff[] = [];
  pairs.forEach((p, i) => {
    if (src[i] === sink[i]) return;
    out.push({
      kind: 'value',
      table: id,
      key,
      column: p.source.name,
      source: src[i] ?? null,
      sink: sink[i] ?? null,
      sourceType: p.source.columnType,
      sinkType: p.sinkType,
    });
  });
  return out;
}

function groupBy(
  rows: readonly CanonicalRow[],
  keyOf: (r: CanonicalRow) => string,
): Map<string, CanonicalRow[]> {
  const m = new Map<string, CanonicalRow[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

function diffByKey(
  id: string,
  pairs: readonly ColumnPair[],
  keyIdx: readonly number[],
  srcRows: readonly CanonicalRow[],
  sinkRows: readonly CanonicalRow[],
): OracleDiff[] {
  const keyOf = (r: CanonicalRow): string => JSON.stringify(keyIdx.map((i) => r[i]));
  const sinkByKey = groupBy(sinkRows, keyOf);
  const diffs: OracleDiff[] = [];
  for (const [k, srcList] of groupBy(srcRows, keyOf)) {
    const sinkList = sinkByKey.get(k) ?? [];
    sinkByKey.delete(k);
    const label = keyLabel(pairs, keyIdx, srcList[0]!);
    if (srcList.length === 1 && sinkList.length === 1) {
      diffs.push(...valueDiffs(id, label, pairs, srcList[0]!, sinkList[0]!));
    } else {
      diffs.push(...diffAsMultiset(id, pairs, srcList, sinkList, label));
    }
  }
  for (const list of sinkByKey.values()) {
    for (const r of list) {
      diffs.push({ kind: 'extra-row', table: id, key: keyLabel(pairs, keyIdx, r), sink: rowText(pairs, r) });
    }
  }
  return diffs;
}

/** Multiset difference; unmatched rows are paired with their most similar counterpart when counts agree. */
function diffAsMultiset(
  id: string,
  pairs: readonly ColumnPair[],
  srcRows: readonly CanonicalRow[],
  sinkRows: readonly CanonicalRow[],
  label?: string,
): OracleDiff[] {
  const sinkLeft = groupBy(sinkRows, (r) => JSON.stringify(r));
  const srcOnly: CanonicalRow[] = [];
  for (const r of srcRows) {
    const list = sinkLeft.get(JSON.stringify(r));
    if (list && list.length > 0) list.pop();
    else srcOnly.push(r);
  }
  const sinkOnly = [...sinkLeft.values()].flat();
  const keyFor = (r: CanonicalRow): string => label ?? `(no primary key) ${rowText(pairs, r).slice(0, 160)}`;
  const diffs: OracleDiff[] = [];
  if (srcOnly.length === sinkOnly.length && srcOnly.length <= 500) {
    for (const r of srcOnly) {
      const best = mostSimilar(r, sinkOnly);
      const s = sinkOnly.splice(best, 1)[0]!;
      diffs.push(...valueDiffs(id, keyFor(r), pairs, r, s));
    }
    return diffs;
  }
  for (const r of srcOnly)
    diffs.push({ kind: 'missing-row', table: id, key: keyFor(r), source: rowText(pairs, r) });
  for (const r of sinkOnly)
    diffs.push({ kind: 'extra-row', table: id, key: keyFor(r), sink: rowText(pairs, r) });
  return diffs;
}

function mostSimilar(row: CanonicalRow, candidates: readonly CanonicalRow[]): number {
  let best = 0;
  let bestScore = -1;
  candidates.forEach((c, i) => {
    const score = c.reduce<number>((n, v, j) => (v === row[j] ? n + 1 : n), 0);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}
