/**
 * Compares the DuckDB sink with the model (schema: tables, column names, DuckDB types, nullability,
 * primary key; rows: by key for upsert tables, as a multiset for append tables), and under `evolve`
 * the model with the source itself.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { ANY, canonicalDuck, showCell, sinkCell, type Cell } from './canonical.js';
import { keyString, type ModelRow, type ModelTable, type SinkModel } from './sink-model.js';
import { tableKey, type SourceSnapshot } from './source-state.js';
import { expectedDuckType } from './type-spec.js';

export interface SinkColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

export interface SinkTable {
  readonly db: string;
  readonly name: string;
  readonly columns: readonly SinkColumn[];
  readonly key: readonly string[];
  /** Values as the DuckDB node API returns them; canonical once the model says the MySQL type. */
  readonly rows: readonly (readonly unknown[])[];
}

export interface Mismatch {
  readonly table: string;
  /** A coarse class of the difference: failures with the same signature are the same bug (likely). */
  readonly sig: string;
  readonly detail: string;
}

const lc = (s: string): string => s.toLowerCase();
const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** Every table of the DuckDB file but tidemark's own, with canonical rows. */
export async function readSink(path: string): Promise<Map<string, SinkTable>> {
  const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const cols = (
      await conn.runAndReadAll(
        `SELECT schema_name, table_name, column_name, data_type, is_nullable FROM duckdb_columns()
         WHERE database_name = current_database() AND schema_name <> '_tidemark' ORDER BY schema_name, table_name, column_index`,
      )
    ).getRowsJS();
    const pks = (
      await conn.runAndReadAll(
        `SELECT schema_name, table_name, constraint_column_names FROM duckdb_constraints()
         WHERE database_name = current_database() AND constraint_type = 'PRIMARY KEY'`,
      )
    ).getRowsJS();
    const tables = new Map<string, { db: string; name: string; columns: SinkColumn[]; key: string[] }>();
    for (const row of cols) {
      const [s, t, c, type] = row.map((v) => v as string);
      const k = tableKey(s!, t!);
      let e = tables.get(k);
      if (!e) tables.set(k, (e = { db: s!, name: t!, columns: [], key: [] }));
      e.columns.push({ name: c!, type: type!, nullable: Boolean(row[4]) });
    }
    for (const [s, t, names] of pks) {
      const e = tables.get(tableKey(s as string, t as string));
      if (e && Array.isArray(names)) e.key = names.map((n) => n as string);
    }
    const out = new Map<string, SinkTable>();
    for (const [k, t] of tables) {
      const cols = t.columns.map((c) => quote(c.name)).join(', ');
      const reader = await conn.runAndReadAll(`SELECT ${cols} FROM ${quote(t.db)}.${quote(t.name)}`);
      out.set(k, { ...t, rows: reader.getRows() });
    }
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Whether the DuckDB file holds a committed checkpoint (the truth a restart resumes from). */
export async function sinkHasCheckpoint(path: string): Promise<boolean> {
  const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    const found = await conn.runAndReadAll(
      `SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()
       AND schema_name = '_tidemark' AND table_name = 'checkpoints'`,
    );
    if (Number(found.getRowsJS()[0]?.[0] ?? 0) === 0) return false;
    const rows = await conn.runAndReadAll('SELECT count(*) FROM "_tidemark"."checkpoints"');
    return Number(rows.getRowsJS()[0]?.[0] ?? 0) > 0;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const MAX_PER_TABLE = 6;

/** Differences between the sink and the model. */
export function compareSink(model: SinkModel, sink: ReadonlyMap<string, SinkTable>): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [k, t] of model.tables) {
    const s = sink.get(k);
    const label = `${t.db}.${t.name}`;
    if (!s) {
      out.push({ table: label, sig: 'schema:missing-table', detail: `table ${label} is not in the sink` });
      continue;
    }
    out.push(...compareSchema(label, t, s), ...compareRows(label, t, s));
  }
  for (const [k, s] of sink) {
    if (!model.tables.has(k)) {
      const label = `${s.db}.${s.name}`;
      out.push({
        table: label,
        sig: 'schema:extra-table',
        detail: `the sink has table ${label}, the model does not`,
      });
    }
  }
  return out;
}

function compareSchema(label: string, t: ModelTable, s: SinkTable): Mismatch[] {
  const out: Mismatch[] = [];
  const keySet = new Set(t.key.map(lc));
  for (const c of t.columns) {
    const sc = s.columns.find((x) => lc(x.name) === lc(c.name));
    if (!sc) {
      out.push({ table: label, sig: 'schema:missing-column', detail: `column ${c.name} is missing` });
      continue;
    }
    if (sc.name !== c.name) {
      out.push({
        table: label,
        sig: 'schema:column-name-case',
        detail: `column ${c.name} is named ${sc.name}`,
      });
    }
    const want = expectedDuckType(c.type, keySet.has(lc(c.name)));
    if (sc.type !== want) {
      out.push({
        table: label,
        sig: `schema:column-type:${c.type.f}`,
        detail: `column ${c.name}: DuckDB type ${sc.type}, expected ${want} (${c.type.f})`,
      });
    }
    const nullable = !keySet.has(lc(c.name));
    if (sc.nullable !== nullable) {
      out.push({
        table: label,
        sig: 'schema:nullability',
        detail: `column ${c.name} is ${sc.nullable ? 'nullable' : 'NOT NULL'}, expected ${nullable ? 'nullable' : 'NOT NULL'}`,
      });
    }
  }
  for (const sc of s.columns) {
    if (!t.columns.some((c) => lc(c.name) === lc(sc.name))) {
      out.push({
        table: label,
        sig: 'schema:extra-column',
        detail: `the sink has column ${sc.name}, the model does not`,
      });
    }
  }
  const want = t.key.map(lc).sort().join(',');
  const got = s.key.map(lc).sort().join(',');
  if (want !== got) {
    out.push({
      table: label,
      sig: `schema:key:${want === '' ? 'none' : 'keyed'}->${got === '' ? 'none' : 'keyed'}`,
      detail: `sink primary key (${s.key.join(', ')}), expected (${t.key.join(', ')})`,
    });
  }
  return out;
}

/** The sink's rows as model rows (lower-case names, canonical text), only the columns the model has. */
function sinkRows(t: ModelTable, s: SinkTable): ModelRow[] {
  const idx = t.columns.map((c) => s.columns.findIndex((x) => lc(x.name) === lc(c.name)));
  return s.rows.map((values) => {
    const r: ModelRow = new Map();
    t.columns.forEach((c, i) => {
      const j = idx[i]!;
      if (j >= 0) r.set(lc(c.name), canonicalDuck(c.name, c.type, values[j], s.columns[j]!.type));
    });
    return r;
  });
}

function cellsMatch(want: Cell | undefined, got: Cell | undefined): boolean {
  return want === ANY || got === undefined || want === got;
}

function rowsMatch(want: ModelRow, got: ModelRow): boolean {
  for (const [n, v] of want) if (!cellsMatch(v, got.get(n))) return false;
  return true;
}

function showRow(r: ModelRow): string {
  return `{${[...r].map(([n, v]) => `${n}: ${showCell(v)}`).join(', ')}}`;
}

function familyOf(t: ModelTable, column: string): string {
  return t.columns.find((c) => lc(c.name) === column)?.type.f ?? '?';
}

function compareRows(label: string, t: ModelTable, s: SinkTable): Mismatch[] {
  const got = sinkRows(t, s);
  return t.key.length > 0 ? compareKeyed(label, t, got) : compareAppend(label, t, got);
}

function compareKeyed(label: string, t: ModelTable, got: ModelRow[]): Mismatch[] {
  const out: Mismatch[] = [];
  const byKey = new Map<string, ModelRow>();
  for (const r of got) {
    const k = keyString(r, t.key) ?? '(null key)';
    if (byKey.has(k))
      out.push({ table: label, sig: 'rows:duplicate-key', detail: `key ${k} twice in the sink` });
    byKey.set(k, r);
  }
  for (const [k, want] of t.keyed) {
    const r = byKey.get(k);
    byKey.delete(k);
    if (!r) {
      out.push({ table: label, sig: 'rows:missing', detail: `row ${k} is missing: ${showRow(want)}` });
      continue;
    }
    for (const [n, v] of want) {
      if (!cellsMatch(v, r.get(n))) {
        out.push({
          table: label,
          sig: `rows:value:${familyOf(t, n)}`,
          detail: `row ${k} column ${n}: sink ${showCell(r.get(n))}, expected ${showCell(v)}`,
        });
      }
    }
  }
  for (const [k, r] of byKey)
    out.push({ table: label, sig: 'rows:extra', detail: `row ${k} is extra: ${showRow(r)}` });
  return out.slice(0, MAX_PER_TABLE);
}

function compareAppend(label: string, t: ModelTable, got: ModelRow[]): Mismatch[] {
  const out: Mismatch[] = [];
  const pool = got.map((r) => ({ r, j: JSON.stringify([...r].sort()), used: false }));
  const byJson = new Map<string, typeof pool>();
  for (const p of pool) byJson.set(p.j, [...(byJson.get(p.j) ?? []), p]);
  const missing: ModelRow[] = [];
  const wild: ModelRow[] = [];
  for (const want of t.append) {
    if ([...want.values()].includes(ANY)) {
      wild.push(want);
      continue;
    }
    const p = byJson.get(JSON.stringify([...want].sort()))?.find((x) => !x.used);
    if (p) p.used = true;
    else missing.push(want);
  }
  for (const want of [...wild, ...missing]) {
    const p = pool.find((x) => !x.used && rowsMatch(want, x.r));
    if (p) p.used = true;
    else {
      const near = pool.find(
        (x) => !x.used && [...want].filter(([n, v]) => !cellsMatch(v, x.r.get(n))).length === 1,
      );
      const col = near ? [...want].find(([n, v]) => !cellsMatch(v, near.r.get(n)))![0] : undefined;
      out.push({
        table: label,
        sig: col ? `rows:value:${familyOf(t, col)}` : 'rows:missing',
        detail: near
          ? `append row ${showRow(want)} differs in ${col}: sink ${showCell(near.r.get(col!))}`
          : `append row ${showRow(want)} is missing`,
      });
      if (near) near.used = true;
    }
  }
  for (const p of pool)
    if (!p.used) out.push({ table: label, sig: 'rows:extra', detail: `append row ${showRow(p.r)} is extra` });
  return out.slice(0, MAX_PER_TABLE);
}

/** Under evolve the sink is the source: the model must say so too (else the model is wrong). */
export function compareModelWithSource(model: SinkModel, source: SourceSnapshot): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [k, src] of source) {
    const label = `${src.db}.${src.name}`;
    const t = model.tables.get(k);
    // transformed and merged tables differ from their source by design
    const routed = model.tables.get(model.routes.get(k) ?? '');
    if (routed?.transform || routed?.merge) continue;
    if (!t || model.routes.get(k) !== k) {
      out.push({ table: label, sig: 'model:table', detail: `model has no table ${label}` });
      continue;
    }
    const cols = (xs: readonly { name: string; type: unknown }[]): string =>
      JSON.stringify(xs.map((c) => [c.name, c.type]).sort());
    if (cols(t.columns) !== cols(src.columns) || t.key.join() !== src.key.join()) {
      out.push({
        table: label,
        sig: 'model:schema',
        detail: `model schema of ${label} differs from the source`,
      });
    }
    // append tables hold history, also after they got a key (ModelTable.history)
    if (src.key.length === 0 || t.history) continue;
    const key = new Set(src.key.map(lc));
    const cell = (c: (typeof src.columns)[number], v: Cell | undefined): Cell =>
      key.has(lc(c.name)) ? (v ?? null) : sinkCell(c.type, v ?? null);
    const rows = src.rows.map((cells) => new Map(src.columns.map((c, i) => [lc(c.name), cell(c, cells[i])])));
    const fake: ModelTable = { ...t, keyed: t.keyed };
    for (const m of compareKeyed(label, fake, rows)) out.push({ ...m, sig: `model:${m.sig}` });
  }
  for (const [k, t] of model.tables) {
    if (!source.has(k) && !t.merge)
      out.push({ table: k, sig: 'model:table', detail: `model has table ${k}, the source does not` });
  }
  return out;
}
