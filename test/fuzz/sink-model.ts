/**
 * The expected DuckDB sink: a model fed with the row changes derived from the source's contents
 * before and after each statement, and with each DDL's intent, under the rules of
 * `schema.change.behavior` (README / the schema-change table):
 *
 * | change        | evolve, try_evolve            | lenient                          | ignore              | exception |
 * | create table  | create                        | create                           | create              | create    |
 * | add column    | add (existing rows: server's) | add, nullable                    | nothing             | error     |
 * | drop column   | drop                          | keep; later rows NULL            | keep; later NULL    | error     |
 * | rename column | rename                        | add new (NULL in old rows), keep | nothing             | error     |
 * | change type   | change (rows as the server)   | change                           | nothing             | error     |
 * | move column   | nothing visible               | nothing                          | nothing             | error     |
 * | primary key   | re-key                        | re-key                           | keep old key        | error     |
 * | drop table    | drop                          | keep                             | keep                | error     |
 * | truncate      | truncate                      | keep rows                        | keep rows           | error     |
 * | rename table  | rename                        | rename                           | rows go to old name | error     |
 *
 * Tables without a primary key are append tables: INSERT and UPDATE append the after image, DELETE
 * is ignored. Columns are matched by name (case-insensitive); DuckDB column order is not compared.
 * Only primary key columns are NOT NULL in DuckDB.
 *
 * Decisions where the table says nothing: an append table that gets a primary key keeps, per key,
 * its newest image (rows deleted at the source stay); existing rows' values of an added column
 * whose default is an expression the server evaluated per row are not compared (ANY) — tidemark
 * must log a warning naming the column; historical append images of a column whose type changed
 * are compared only when the change keeps the canonical text (widening).
 */
import { ANY, sinkCell, type Cell } from './canonical.js';
import type { AlterClause, ColumnDef, Op, TableRef } from './operations.js';
import { tableKey, type SourceSnapshot, type SourceTable } from './source-state.js';
import type { TypeSpec } from './type-spec.js';
import {
  evalExpr,
  exprType,
  passes,
  referencedColumns,
  SHARD_COLUMN_TYPE,
  SHARD_COLUMNS,
  type EvalRow,
  type MergeSpec,
  type TransformSpec,
} from './transform-model.js';
import { mergedCell, widerType } from './merge-widening.js';

export type Behavior = 'evolve' | 'try_evolve' | 'lenient' | 'ignore' | 'exception';
export const BEHAVIORS: readonly Behavior[] = ['evolve', 'try_evolve', 'lenient', 'ignore', 'exception'];

export interface ModelColumn {
  readonly name: string;
  readonly type: TypeSpec;
}

/** Lower-case column name → cell. */
export type ModelRow = Map<string, Cell>;

export interface ModelTable {
  db: string;
  name: string;
  columns: ModelColumn[];
  /** Sink primary key (column names); empty: an append table. */
  key: string[];
  keyed: Map<string, ModelRow>;
  append: ModelRow[];
  /**
   * An append table that got a primary key: the sink keeps the newest image per key of its
   * history, also of keys the source no longer has. It then differs from the source by design.
   */
  history?: boolean;
  /** The transform rule of its source table: `*` plus these computed columns, and a filter. */
  transform?: TransformSpec;
  /** A merged sink table: the tables of a route into it (shard columns when the route asks). */
  merge?: MergeSpec;
}

/** Which statement made a row change (for `__data_event_type__`). */
export type RowsCause = 'insert' | 'replace' | 'update';

/** A schema change the exception behaviour must refuse: the next run must fail on it. */
export interface ExpectedFailure {
  readonly table: string;
  readonly what: string;
  /** The run went on without the change (`try_evolve` skipped it): no failing run follows. */
  readonly skipped?: boolean;
  /** The error code expected (default: SOURCE_SCHEMA or SINK_SCHEMA). */
  readonly code?: 'CONFIG_INVALID' | 'SCHEMA_MERGE';
}

/** The transform rules and the merged route of a pipeline. */
export interface PipelineRules {
  readonly transforms: readonly TransformSpec[];
  readonly merge: MergeSpec | undefined;
}

/** Thrown when the model cannot follow what the source did: a fuzzer bug, reported as such. */
export class ModelError extends Error {}

const lc = (s: string): string => s.toLowerCase();

export function keyString(row: ModelRow, key: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const k of key) {
    const v = row.get(lc(k));
    if (v === null || v === undefined || v === ANY) return undefined;
    parts.push(v);
  }
  return JSON.stringify(parts);
}

function rowOf(t: SourceTable, cells: readonly Cell[]): ModelRow {
  const m: ModelRow = new Map();
  t.columns.forEach((c, i) => m.set(lc(c.name), cells[i] ?? null));
  return m;
}

function sameSchema(a: SourceTable, b: SourceTable): boolean {
  const sig = (t: SourceTable): string =>
    JSON.stringify([t.columns.map((c) => [c.name, c.type, c.nullable]), t.key]);
  return sig(a) === sig(b);
}

const SIZE_ORDER = ['tiny', 'text', 'medium', 'long'];

/** True when converting a value of type `from` to `to` keeps its canonical text. */
function keepsText(from: TypeSpec, to: TypeSpec): boolean {
  if (JSON.stringify(from) === JSON.stringify(to)) return true;
  if (from.f === 'int' && to.f === 'int') {
    if (from.unsigned === to.unsigned) return to.bytes >= from.bytes;
    return !from.unsigned ? false : to.bytes > from.bytes;
  }
  if ((from.f === 'char' || from.f === 'text') && (to.f === 'char' || to.f === 'text')) {
    const len = (t: TypeSpec): number =>
      t.f === 'char' ? t.len : t.f === 'text' && t.size === 'tiny' ? 63 : 1e9;
    return from.charset === to.charset && len(to) >= len(from) && !(to.f === 'char' && to.fixed);
  }
  if (from.f === 'decimal' && to.f === 'decimal') {
    return from.s === to.s && to.p - to.s >= from.p - from.s && (from.unsigned || !to.unsigned);
  }
  if ((from.f === 'datetime' || from.f === 'time' || from.f === 'timestamp') && to.f === from.f) {
    return to.fsp >= from.fsp; // the canonical text has six fraction digits either way
  }
  if ((from.f === 'enum' || from.f === 'set') && to.f === from.f) {
    return from.values.every((v) => to.values.includes(v));
  }
  if (from.f === 'binary' && to.f === 'binary') return !from.fixed && !to.fixed && to.len >= from.len;
  if (from.f === 'blob' && to.f === 'blob')
    return SIZE_ORDER.indexOf(to.size) >= SIZE_ORDER.indexOf(from.size);
  return false;
}

export class SinkModel {
  readonly tables = new Map<string, ModelTable>();
  /** Source table (lower-case db.table) → sink table key. */
  readonly routes = new Map<string, string>();
  /** Set once a change the exception behaviour refuses happened: later changes do not reach the sink. */
  frozen: ExpectedFailure | undefined;
  /** The pipeline's merged route: shards created later join its sink table. */
  merge: MergeSpec | undefined;
  /**
   * Tables whose columns changed type in a way that converts values (narrowing, another family):
   * DuckDB's casts are not MySQL's, so a clear error naming the table is an accepted outcome.
   */
  readonly lossy = new Set<string>();

  constructor(readonly behavior: Behavior) {}

  /**
   * The lossy table (see `lossy`) a clear schema error line names, if any. A lossy change is
   * noted only while the model is not frozen, so it came before any expected failure: the run may
   * stop at it first (an earlier event in the binlog) instead of at the expected failure.
   */
  lossyTableIn(errorLine: string): string | undefined {
    const line = errorLine.toLowerCase();
    if (!/^error \[(sink_schema|source_schema)\]/.test(line)) return undefined;
    // the table's name as a word (`t8` is not named by a line about `t80`)
    const names = (name: string): boolean =>
      new RegExp(
        `(^|[^\\p{L}\\p{N}_])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}_])`,
        'u',
      ).test(line);
    return [...this.lossy].find((t) => line.includes(t) || names(t.split('.')[1]!));
  }

  /** The model of a new pipeline: a snapshot of the source as it is. */
  static fromSnapshot(
    behavior: Behavior,
    source: SourceSnapshot,
    rules: PipelineRules = { transforms: [], merge: undefined },
  ): SinkModel {
    const m = new SinkModel(behavior);
    const merge = rules.merge;
    m.merge = merge;
    const shards = merge ? [...source.values()].filter((t) => isShard(merge, t)) : [];
    if (merge && shards.length) {
      const merged = mergedTable(merge, shards);
      // shard columns no type holds exactly: the pipeline stops at the shard that brings them
      if ('reason' in merged) m.frozen = schemaMergeFailure(merge, merged.reason);
      else m.tables.set(tableKey(merge.db, merge.sink), merged);
    }
    for (const [k, t] of source) {
      const merged = merge && isShard(merge, t);
      const sink = merged ? tableKey(merge.db, merge.sink) : k;
      if (!merged) m.tables.set(k, m.newTable(t));
      m.routes.set(k, sink);
      const rule = rules.transforms.find((r) => tableKey(r.table.db, r.table.name) === k);
      const st = m.tables.get(sink);
      if (!st) continue; // (frozen: the merged table cannot be made)
      if (rule) {
        st.transform = rule;
        st.columns.push(...rule.computed.map((c) => ({ name: c.name, type: exprType(c.expr, typeIn(t)) })));
      }
      for (const cells of t.rows) {
        const r = m.shape(st, t, rowOf(t, cells), '+I');
        if (r) m.put(st, m.toSink(st, r, t));
      }
      // a JSON column holding '' (added NOT NULL without a default): no DuckDB JSON holds it
      const json = t.columns.flatMap((c, i) => (c.type.f === 'json' ? [i] : []));
      if (t.rows.some((cells) => json.some((i) => cells[i]?.startsWith('invalid JSON')))) {
        m.lossy.add(`${t.db}.${t.name}`.toLowerCase());
      }
    }
    return m;
  }

  private get evolve(): boolean {
    return this.behavior === 'evolve' || this.behavior === 'try_evolve';
  }

  private newTable(t: SourceTable): ModelTable {
    return {
      db: t.db,
      name: t.name,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type })),
      key: [...t.key],
      keyed: new Map(),
      append: [],
    };
  }

  /** Upsert (keyed) or append a sink row. */
  private put(t: ModelTable, source: ModelRow): void {
    const row = this.sinkRow(t, source);
    if (t.key.length === 0) {
      t.append.push(row);
      return;
    }
    const k = keyString(row, t.key);
    if (k === undefined) throw new ModelError(`sink key of ${t.db}.${t.name} has no value in a written row`);
    t.keyed.set(k, row);
  }

  /** Zero dates outside the sink key as the sink holds them: NULL. */
  private sinkRow(t: ModelTable, source: ModelRow): ModelRow {
    const row = new Map(source);
    const key = new Set(t.key.map(lc));
    for (const c of t.columns) {
      const n = lc(c.name);
      const v = row.get(n);
      if (v !== undefined && !key.has(n)) row.set(n, sinkCell(c.type, v));
    }
    return row;
  }

  /**
   * A source row in sink terms: sink columns matched by name, NULL where the source has none; in
   * a merged table each value converted from its column's type in `from` into the wider type.
   */
  private toSink(t: ModelTable, src: ModelRow, from?: SourceTable): ModelRow {
    const out: ModelRow = new Map();
    for (const c of t.columns) {
      const v = src.get(lc(c.name)) ?? null;
      const own = t.merge ? from?.columns.find((x) => lc(x.name) === lc(c.name))?.type : undefined;
      out.set(lc(c.name), own ? mergedCell(v, own, c.type) : v);
    }
    return out;
  }

  /**
   * A source row as the transform and the route make it: undefined when the rule's filter drops
   * it; else with the computed columns (`eventType` undefined: not known, ANY) or the shard
   * columns.
   */
  private shape(
    t: ModelTable,
    src: SourceTable,
    row: ModelRow,
    eventType: string | undefined,
  ): ModelRow | undefined {
    if (t.merge) {
      if (!t.merge.shardColumns) return row;
      const out = new Map(row);
      out.set(SHARD_COLUMNS[0], src.db);
      out.set(SHARD_COLUMNS[1], src.name);
      return out;
    }
    if (!t.transform) return row;
    const r: EvalRow = {
      get: (c) => row.get(lc(c)),
      typeOf: typeIn(src),
      db: src.db,
      table: src.name,
      eventType,
    };
    if (!passes(t.transform.filter, r)) return undefined;
    const out = new Map(row);
    for (const c of t.transform.computed) {
      const v = evalExpr(c.expr, r);
      out.set(lc(c.name), v === undefined ? ANY : v);
    }
    return out;
  }

  private sinkOf(source: string): ModelTable | undefined {
    const k = this.routes.get(source);
    return k === undefined ? undefined : this.tables.get(k);
  }

  /** The row changes of a DML statement, from the table's contents before and after it. */
  applyRows(before: SourceTable, after: SourceTable, cause?: RowsCause): void {
    if (this.frozen) return;
    const t = this.sinkOf(tableKey(after.db, after.name));
    if (!t) return;
    const events: { before?: ModelRow; after?: ModelRow }[] = [];
    if (after.key.length > 0) {
      const index = (s: SourceTable): Map<string, ModelRow> => {
        const m = new Map<string, ModelRow>();
        for (const cells of s.rows) {
          const r = rowOf(s, cells);
          m.set(keyString(r, s.key)!, r);
        }
        return m;
      };
      const b = index(before);
      const a = index(after);
      for (const [k, r] of b) if (!a.has(k)) events.push({ before: r });
      for (const [k, r] of a) {
        const old = b.get(k);
        if (!old) events.push({ after: r });
        else if (JSON.stringify([...old]) !== JSON.stringify([...r])) events.push({ before: old, after: r });
      }
    } else {
      // Multiset difference; exact because UPDATEs of tables without a key only SET constants.
      const remaining = new Map<string, number>();
      for (const cells of before.rows) {
        const j = JSON.stringify(cells);
        remaining.set(j, (remaining.get(j) ?? 0) + 1);
      }
      const added: ModelRow[] = [];
      for (const cells of after.rows) {
        const j = JSON.stringify(cells);
        const n = remaining.get(j) ?? 0;
        if (n > 0) remaining.set(j, n - 1);
        else added.push(rowOf(after, cells));
      }
      for (const cells of before.rows) {
        const j = JSON.stringify(cells);
        const n = remaining.get(j) ?? 0;
        if (n > 0) {
          remaining.set(j, n - 1);
          events.push({ before: rowOf(before, cells) });
        }
      }
      for (const r of added) events.push({ after: r });
    }
    for (const e of events) {
      if (!t.transform && !t.merge) {
        this.applyEvent(t, e.before, e.after);
        continue;
      }
      // Flink CDC 3.x: the new row alone decides whether an UPDATE is kept; a DELETE is kept
      // when its row passes (the generator makes no key moves on filtered tables, so that an
      // UPDATE is one before/after pair here)
      const type =
        cause === undefined
          ? undefined
          : e.before && e.after
            ? cause === 'replace'
              ? undefined
              : '+U'
            : cause === 'update'
              ? '+U'
              : '+I';
      const a = e.after && this.shape(t, after, e.after, type);
      if (e.after && !a) continue;
      const b = e.before && this.shape(t, before, e.before, '-U');
      if (e.before && !e.after && !b) continue;
      this.applyEvent(t, b, a, after);
    }
  }

  /** One row event: upsert/delete by the sink key, or append the after image. */
  private applyEvent(
    t: ModelTable,
    before: ModelRow | undefined,
    after: ModelRow | undefined,
    from?: SourceTable,
  ): void {
    if (t.key.length === 0) {
      if (after) this.put(t, this.toSink(t, after, from));
      return;
    }
    const a = after && this.toSink(t, after, from);
    if (before) {
      const bk = keyString(this.toSink(t, before, from), t.key);
      if (bk !== undefined && (!a || keyString(a, t.key) !== bk)) t.keyed.delete(bk);
    }
    if (a) this.put(t, a);
  }

  /** A committed DDL statement (failed statements change nothing and are not passed here). */
  applyDdl(op: Op, before: SourceSnapshot, after: SourceSnapshot): void {
    if (this.frozen) return;
    switch (op.k) {
      case 'create':
      case 'create-like': {
        const k = tableKey(op.table.db, op.table.name);
        const t = after.get(k);
        if (!before.has(k) && t) this.onCreate(t);
        return;
      }
      case 'drop':
        for (const r of op.tables) {
          const k = tableKey(r.db, r.name);
          if (before.has(k) && !after.has(k)) this.onDrop(k);
          if (this.frozen) return;
        }
        return;
      case 'rename':
        for (const p of op.pairs) {
          this.onRename(tableKey(p.from.db, p.from.name), p.to);
          if (this.frozen) return;
        }
        return;
      case 'truncate':
        this.onTruncate(tableKey(op.table.db, op.table.name));
        return;
      case 'alter':
        this.onAlter(op.table, op.clauses, before, after);
        return;
      case 'insert':
      case 'update':
      case 'delete':
      case 'txn':
        throw new ModelError(`applyDdl called with ${op.k}`);
    }
  }

  private freeze(table: string, what: string): void {
    this.frozen = { table, what };
  }

  private onCreate(t: SourceTable): void {
    const k = tableKey(t.db, t.name);
    if (this.merge && isShard(this.merge, t)) return this.onCreateShard(this.merge, t);
    this.routes.set(k, k);
    const existing = this.tables.get(k);
    if (!existing) {
      this.tables.set(k, this.newTable(t));
      return;
    }
    // The sink table is still there (kept after a drop): the new table's missing columns are added.
    if (this.behavior === 'ignore') return;
    for (const c of t.columns) {
      if (!existing.columns.some((e) => lc(e.name) === lc(c.name))) {
        existing.columns.push({ name: c.name, type: c.type });
        for (const r of [...existing.keyed.values(), ...existing.append]) r.set(lc(c.name), null);
      }
    }
  }

  private onDrop(k: string): void {
    if (this.behavior === 'exception') return this.freeze(k, 'drop table');
    const sink = this.routes.get(k);
    this.routes.delete(k);
    // a merged table holding other tables' rows stays (with the dropped table's rows)
    if (this.evolve && sink !== undefined && !this.shared(sink)) this.tables.delete(sink);
  }

  /**
   * Whether DDL on source table `k` meets its sink table `t` as a merged table: with shard columns
   * always, else while other source tables are routed to it too (tidemark's SchemaOperator, as
   * Flink CDC's SchemaDerivator, counts the sink table's upstream tables at each change). A shard
   * alone in its sink table is one-to-one: its DDL reaches the sink as any table's (under evolve
   * a rename renames), and a shard created later merges into the sink table as it is then.
   */
  private merged(t: ModelTable, k: string): boolean {
    const sink = this.routes.get(k);
    return (
      t.merge?.shardColumns === true ||
      (sink !== undefined && [...this.routes].some(([src, s]) => src !== k && s === sink))
    );
  }

  /** Whether other source tables are routed to the sink table too. */
  private shared(sink: string): boolean {
    return [...this.routes.values()].includes(sink);
  }

  private onTruncate(k: string): void {
    if (this.behavior === 'exception') return this.freeze(k, 'truncate table');
    const t = this.sinkOf(k);
    const others = [...this.routes].some(([src, sink]) => src !== k && sink === this.routes.get(k));
    if (this.evolve && t && !others) {
      t.keyed.clear();
      t.append = [];
    }
  }

  private onRename(from: string, to: TableRef): void {
    if (this.behavior === 'exception') return this.freeze(from, 'rename table');
    const toKey = tableKey(to.db, to.name);
    const sink = this.routes.get(from);
    this.routes.delete(from);
    if (sink === undefined) return;
    if (this.behavior === 'ignore') {
      this.routes.set(toKey, sink);
      return;
    }
    const t = this.tables.get(sink)!;
    this.tables.delete(sink);
    t.db = to.db;
    t.name = to.name;
    this.tables.set(toKey, t);
    this.routes.set(toKey, toKey);
  }

  private onAlter(
    ref: TableRef,
    clauses: readonly AlterClause[],
    beforeAll: SourceSnapshot,
    afterAll: SourceSnapshot,
  ): void {
    const k = tableKey(ref.db, ref.name);
    const b = beforeAll.get(k);
    if (!b) return;
    const renameTo = clauses.find((c) => c.k === 'rename-table')?.to;
    const ak = renameTo ? tableKey(renameTo.db, renameTo.name) : k;
    const a = afterAll.get(ak);
    if (!a) throw new ModelError(`ALTER of ${k} succeeded but ${ak} does not exist afterwards`);
    const intent = alterIntent(b, clauses);
    checkIntent(b, a, intent);
    const rule = this.sinkOf(k)?.transform;
    if (rule) {
      // a rule that names a column the DDL removes or renames stops the pipeline clearly
      const gone = referencedColumns(rule).find(
        (c) => intent.dropped.has(lc(c)) || intent.renames.has(lc(c)) || intent.modified.has(lc(c)),
      );
      if (gone !== undefined) {
        this.frozen = { table: k, what: `transform rule after a DDL on ${gone}`, code: 'CONFIG_INVALID' };
        return;
      }
    }
    if (!sameSchema(b, a)) {
      if (this.behavior === 'exception') return this.freeze(k, 'alter table');
      const t = this.sinkOf(k);
      if (t?.merge) {
        // (lenient: a shard alone gets the one-to-one rules, which also only add columns)
        if (this.evolve && !this.merged(t, k)) this.alterAlone(t, intent);
        else if (this.behavior !== 'ignore') this.alterMerged(t, a);
      } else if (t) {
        if (this.evolve) this.alterEvolve(t, b, a, intent);
        else if (this.behavior === 'lenient') this.alterLenient(t, b, a, intent);
      }
    }
    if (renameTo && ak !== k) this.onRename(k, renameTo);
  }

  /** Existing rows' cells of added columns whose default the server evaluated per row. */
  private exprColumns(a: SourceTable, intent: AlterIntent): Set<string> {
    const out = new Set<string>();
    for (const c of intent.added) {
      if (c.default?.k === 'expr') {
        // the sink cannot know them: on a table with rows a clear error (or a try_evolve skip)
        out.add(lc(c.name));
        this.lossy.add(`${a.db}.${a.name}`.toLowerCase());
      }
    }
    return out;
  }

  private noteLossy(b: SourceTable, a: SourceTable, intent: AlterIntent): void {
    const changed = [...intent.modified].some(
      (m) => a.columns.some((c) => lc(c.name) === m) && !keepsModified(b, a, intent, m),
    );
    // existing rows get '' in a JSON or spatial column added NOT NULL without a default: not a
    // JSON document or a geometry
    const emptyJson = intent.added.some(
      (c) => (c.type.f === 'json' || c.type.f === 'geometry') && c.notNull && !c.default,
    );
    // a column made NOT NULL (MODIFY, or ADD PRIMARY KEY) outside a strict sql_mode: NULLs became
    // the type's default, which the sink does not redo (it refuses the change when it holds rows)
    const oldName = new Map([...intent.renames].map(([from, to]) => [lc(to), from]));
    const notNull = a.columns.some((c) => {
      const was = b.columns.find((x) => lc(x.name) === (oldName.get(lc(c.name)) ?? lc(c.name)));
      return was !== undefined && was.nullable && !c.nullable;
    });
    // a zero date outside the key is NULL in the sink: it cannot become part of the key there
    const zeroKey = a.key.some((k) => {
      const from = oldName.get(lc(k)) ?? lc(k);
      const i = b.columns.findIndex((x) => lc(x.name) === from);
      if (i < 0 || b.key.some((x) => lc(x) === from)) return false;
      const type = b.columns[i]!.type;
      return b.rows.some((cells) => cells[i] != null && sinkCell(type, cells[i]) === null);
    });
    if (changed || notNull || zeroKey || (emptyJson && b.rows.length > 0))
      this.lossy.add(`${a.db}.${a.name}`.toLowerCase());
  }

  private alterEvolve(t: ModelTable, b: SourceTable, a: SourceTable, intent: AlterIntent): void {
    this.noteLossy(b, a, intent);
    const anyCols = this.exprColumns(a, intent);
    const historical = [...t.keyed.values(), ...t.append];
    if (b.key.length === 0 && a.key.length > 0) t.history = true;
    const computed = t.columns.filter((c) => t.transform?.computed.some((x) => lc(x.name) === lc(c.name)));
    t.columns = [...a.columns.map((c) => ({ name: c.name, type: c.type })), ...computed];
    t.key = [...a.key];
    t.keyed = new Map();
    t.append = [];
    if (b.key.length > 0 && !t.history && !t.transform) {
      // The sink held exactly the source's rows: after the change it holds them as the server has them.
      for (const cells of a.rows) {
        const r = rowOf(a, cells);
        for (const c of anyCols) r.set(c, ANY);
        this.put(t, r);
      }
      return;
    }
    for (const old of historical) {
      const r = transformImage(old, b, a, intent, anyCols);
      // a filter keeps rows the source no longer has as they were; computed values stay
      for (const c of computed) r.set(lc(c.name), old.get(lc(c.name)) ?? null);
      // an image whose new key has no value cannot be keyed: it is not expected in the sink
      if (t.key.length === 0 || keyString(r, t.key) !== undefined) this.put(t, r);
    }
  }

  private alterLenient(t: ModelTable, b: SourceTable, a: SourceTable, intent: AlterIntent): void {
    this.noteLossy(b, a, intent);
    const anyCols = this.exprColumns(a, intent);
    const has = (n: string): boolean => t.columns.some((c) => lc(c.name) === lc(n));
    const newCols: string[] = [];
    for (const c of a.columns) {
      if (!has(c.name)) {
        t.columns.push({ name: c.name, type: c.type });
        newCols.push(lc(c.name));
      }
    }
    for (const m of intent.modified) {
      const col = t.columns.find((c) => lc(c.name) === m);
      const src = a.columns.find((c) => lc(c.name) === m);
      if (col && src) t.columns[t.columns.indexOf(col)] = { name: col.name, type: src.type };
    }
    const rows = [...t.keyed.values(), ...t.append];
    const matched = b.key.length > 0 ? matchRows(b, a, intent) : undefined;
    const updated = rows.map((old) => {
      const r = new Map(old);
      const srcRow = matched?.get(keyString(old, b.key) ?? '');
      for (const n of newCols) {
        const addedHere = intent.added.some((c) => lc(c.name) === n);
        if (!addedHere)
          r.set(n, null); // the new name of a renamed column: NULL in existing rows
        else if (anyCols.has(n)) r.set(n, ANY);
        else r.set(n, srcRow ? (srcRow.get(n) ?? null) : serverValue(a, n));
      }
      for (const m of intent.modified) {
        // the sink converts its own values: a NULL it holds (e.g. the new name of a renamed
        // column) stays NULL, whatever the source's column held
        if (newCols.includes(m) || !r.has(m) || r.get(m) === null) continue;
        if (srcRow) r.set(m, srcRow.get(m) ?? null);
        else if (!keepsModified(b, a, intent, m)) r.set(m, ANY);
      }
      return r;
    });
    if (b.key.length === 0 && a.key.length > 0) t.history = true;
    t.key = [...a.key];
    t.keyed = new Map();
    t.append = [];
    // as under evolve: an image without a value in the new key cannot be keyed
    for (const r of updated) if (t.key.length === 0 || keyString(r, t.key) !== undefined) this.put(t, r);
  }

  /**
   * DDL on a table merged into a sink table with others (or with shard columns; see `merged`):
   * columns it adds are added (nullable; the generator
   * adds them without a default, so every row has NULL there), nothing is dropped or renamed
   * (a renamed column's new name is added), and rows written later get NULL where their table
   * lacks a column (README "Routing and sharded merges").
   */
  private alterMerged(t: ModelTable, a: SourceTable): void {
    for (const c of a.columns) {
      if (t.columns.some((x) => lc(x.name) === lc(c.name))) continue;
      t.columns.push({ name: c.name, type: c.type });
      for (const r of [...t.keyed.values(), ...t.append]) r.set(lc(c.name), null);
    }
  }

  /**
   * DDL on a shard alone in its sink table under evolve (see `merged`): the change reaches the
   * sink table as it is, as one table's change (Flink CDC forwards it unchanged): columns are
   * renamed (keeping the sink's type) and dropped by name, added ones appended (nullable and
   * without a default: NULL in every row). Columns and rows of shards dropped earlier stay.
   */
  private alterAlone(t: ModelTable, intent: AlterIntent): void {
    const to = (n: string): string | undefined =>
      intent.dropped.has(lc(n)) ? undefined : (intent.renames.get(lc(n)) ?? n);
    t.columns = t.columns.flatMap((c) => {
      const name = to(c.name);
      return name === undefined ? [] : [{ name, type: c.type }];
    });
    for (const c of intent.added)
      if (!t.columns.some((x) => lc(x.name) === lc(c.name))) t.columns.push({ name: c.name, type: c.type });
    t.key = t.key.map((k) => to(k) ?? k);
    const rows = [...t.keyed.values(), ...t.append];
    t.keyed = new Map();
    t.append = [];
    for (const old of rows) {
      const r: ModelRow = new Map();
      for (const [n, v] of old) {
        const name = to(n);
        if (name !== undefined) r.set(lc(name), v);
      }
      for (const c of t.columns) if (!r.has(lc(c.name))) r.set(lc(c.name), null);
      this.put(t, r);
    }
  }

  /**
   * A shard created while the pipeline runs: it joins the merged table (created if no shard is
   * left), which gains its columns (NULL in the rows it has) and widens the shared ones (DECIMAL
   * values then at the wider scale).
   */
  private onCreateShard(merge: MergeSpec, t: SourceTable): void {
    const k = tableKey(merge.db, merge.sink);
    this.routes.set(tableKey(t.db, t.name), k);
    const m = this.tables.get(k);
    if (!m) {
      const made = mergedTable(merge, [t]);
      if ('reason' in made) throw new ModelError(`one shard cannot fail to merge: ${made.reason}`);
      this.tables.set(k, made);
      return;
    }
    if (this.behavior === 'ignore') return;
    const widened: { i: number; type: ModelColumn['type'] }[] = [];
    for (const c of t.columns) {
      const i = m.columns.findIndex((x) => lc(x.name) === lc(c.name));
      if (i < 0) continue;
      const w = widerType(m.columns[i]!.type, c.type);
      // no type holds both: SCHEMA_MERGE at the shard's create, the sink table as it was
      if ('reason' in w) return void (this.frozen = schemaMergeFailure(merge, `${c.name}: ${w.reason}`));
      widened.push({ i, type: w.type });
    }
    for (const c of t.columns) {
      if (m.columns.some((x) => lc(x.name) === lc(c.name))) continue;
      m.columns.push({ name: c.name, type: c.type });
      for (const r of [...m.keyed.values(), ...m.append]) r.set(lc(c.name), null);
    }
    // the sink's values are converted from the column's old sink type into the wider one
    for (const { i, type } of widened) {
      const old = m.columns[i]!;
      m.columns[i] = { name: old.name, type };
      const n = lc(old.name);
      for (const r of [...m.keyed.values(), ...m.append]) {
        if (r.has(n)) r.set(n, mergedCell(r.get(n) ?? null, old.type, type));
      }
    }
  }

  /** A deep copy (the state at a point of the log). */
  clone(): SinkModel {
    const m = new SinkModel(this.behavior);
    for (const [k, t] of this.tables) {
      m.tables.set(k, {
        ...t,
        columns: [...t.columns],
        key: [...t.key],
        keyed: new Map([...t.keyed].map(([kk, r]) => [kk, new Map(r)])),
        append: t.append.map((r) => new Map(r)),
      });
    }
    for (const [k, v] of this.routes) m.routes.set(k, v);
    m.frozen = this.frozen;
    m.merge = this.merge;
    for (const l of this.lossy) m.lossy.add(l);
    return m;
  }
}

/** What an ALTER's clauses did, after IF [NOT] EXISTS against the columns before it. */
export interface AlterIntent {
  /** lower-case old name → new name. */
  readonly renames: Map<string, string>;
  readonly dropped: Set<string>;
  readonly added: ColumnDef[];
  /** lower-case new names of MODIFY/CHANGE'd columns. */
  readonly modified: Set<string>;
}

export function alterIntent(b: SourceTable, clauses: readonly AlterClause[]): AlterIntent {
  const names = new Set(b.columns.map((c) => lc(c.name)));
  const intent: AlterIntent = { renames: new Map(), dropped: new Set(), added: [], modified: new Set() };
  for (const c of clauses) {
    switch (c.k) {
      case 'add':
        if (!(c.ifNotExists && names.has(lc(c.col.name)))) intent.added.push(c.col);
        break;
      case 'drop':
        if (!(c.ifExists && !names.has(lc(c.name)))) intent.dropped.add(lc(c.name));
        break;
      case 'modify':
        if (!(c.ifExists && !names.has(lc(c.col.name)))) intent.modified.add(lc(c.col.name));
        break;
      case 'change':
        if (c.ifExists && !names.has(lc(c.from))) break;
        if (c.from !== c.col.name) intent.renames.set(lc(c.from), c.col.name);
        intent.modified.add(lc(c.col.name));
        break;
      case 'rename-column':
        if (c.from !== c.to) intent.renames.set(lc(c.from), c.to);
        break;
      case 'add-pk':
      case 'drop-pk':
      case 'rename-table':
        break;
    }
  }
  return intent;
}

/** The columns the intent predicts must be the columns the server has: else the model is wrong. */
function checkIntent(b: SourceTable, a: SourceTable, intent: AlterIntent): void {
  const predicted = new Set<string>();
  for (const c of b.columns) {
    const n = lc(c.name);
    if (intent.dropped.has(n)) continue;
    predicted.add(lc(intent.renames.get(n) ?? c.name));
  }
  for (const c of intent.added) predicted.add(lc(c.name));
  const actual = new Set(a.columns.map((c) => lc(c.name)));
  const p = [...predicted].sort().join(',');
  const q = [...actual].sort().join(',');
  if (p !== q) throw new ModelError(`ALTER of ${b.db}.${b.name}: predicted columns ${p}, server has ${q}`);
}

/** Source rows after the ALTER, indexed by the old key (key columns followed through renames). */
function matchRows(b: SourceTable, a: SourceTable, intent: AlterIntent): Map<string, ModelRow> | undefined {
  const oldKeyNow = b.key.map((k) => intent.renames.get(lc(k)) ?? k);
  if (
    b.key.some((k) => intent.dropped.has(lc(k)) || intent.modified.has(lc(intent.renames.get(lc(k)) ?? k)))
  ) {
    return undefined;
  }
  const out = new Map<string, ModelRow>();
  for (const cells of a.rows) {
    const r = rowOf(a, cells);
    const k = keyString(r, oldKeyNow);
    if (k !== undefined) out.set(k, r);
  }
  return out;
}

/** The value the server gave every existing row in column `n` (when all rows agree), else ANY. */
function serverValue(a: SourceTable, n: string): Cell {
  const i = a.columns.findIndex((c) => lc(c.name) === n);
  if (i < 0 || a.rows.length === 0) return ANY;
  const v = a.rows[0]![i] ?? null;
  return a.rows.every((r) => r[i] === v) ? v : ANY;
}

/**
 * Whether MODIFY kept column m's values (of `cell`, when given): the text survives the type change,
 * and a column made NOT NULL changes only its NULLs (to the type's zero value, or a refusal).
 */
function keepsModified(b: SourceTable, a: SourceTable, intent: AlterIntent, m: string, cell?: Cell): boolean {
  const oldName = [...intent.renames].find(([, to]) => lc(to) === m)?.[0] ?? m;
  const from = b.columns.find((c) => lc(c.name) === oldName);
  const to = a.columns.find((c) => lc(c.name) === m);
  if (!from || !to) return false;
  const notNullKept = cell !== undefined && cell !== null && cell !== ANY;
  return keepsText(from.type, to.type) && (to.nullable || !from.nullable || notNullKept);
}

/** A historical append image under evolve: renamed, dropped, added and converted columns. */
function transformImage(
  old: ModelRow,
  b: SourceTable,
  a: SourceTable,
  intent: AlterIntent,
  anyCols: Set<string>,
): ModelRow {
  const r: ModelRow = new Map();
  for (const c of b.columns) {
    const n = lc(c.name);
    if (intent.dropped.has(n)) continue;
    const to = lc(intent.renames.get(n) ?? c.name);
    r.set(to, old.get(n) ?? null);
  }
  for (const c of intent.added) {
    const n = lc(c.name);
    r.set(n, anyCols.has(n) ? ANY : serverValue(a, n));
  }
  for (const m of intent.modified) {
    if (r.has(m) && !keepsModified(b, a, intent, m, r.get(m))) r.set(m, ANY);
  }
  // only the columns the table has now
  const out: ModelRow = new Map();
  for (const c of a.columns) out.set(lc(c.name), r.get(lc(c.name)) ?? null);
  return out;
}

/** Whether a source table is one of the merge's shards. */
export function isShard(merge: MergeSpec, t: { readonly db: string; readonly name: string }): boolean {
  return lc(t.db) === lc(merge.db) && lc(t.name).startsWith(lc(merge.prefix));
}

/** Column types of a source table by name. */
function typeIn(t: SourceTable): (col: string) => TypeSpec {
  return (col) => {
    const c = t.columns.find((x) => lc(x.name) === lc(col));
    if (!c) throw new ModelError(`transform reads column ${col}, which ${t.db}.${t.name} lacks`);
    return c.type;
  };
}

/** The expected stop of a merge no type holds exactly (README "Sharded merges: type widening"). */
function schemaMergeFailure(merge: MergeSpec, reason: string): ExpectedFailure {
  return { table: tableKey(merge.db, merge.sink), what: `schema merge (${reason})`, code: 'SCHEMA_MERGE' };
}

/**
 * The merged sink table of the shards: the union of their columns, widened; their key. A column
 * no type holds exactly in every shard: the reason (the pipeline stops with SCHEMA_MERGE).
 */
function mergedTable(merge: MergeSpec, shards: readonly SourceTable[]): ModelTable | { reason: string } {
  const columns: ModelColumn[] = [];
  for (const t of shards) {
    for (const c of t.columns) {
      const i = columns.findIndex((x) => lc(x.name) === lc(c.name));
      if (i < 0) {
        columns.push({ name: c.name, type: c.type });
        continue;
      }
      const w = widerType(columns[i]!.type, c.type);
      if ('reason' in w) return { reason: `${c.name}: ${w.reason}` };
      columns[i] = { name: columns[i]!.name, type: w.type };
    }
  }
  const key = [...shards[0]!.key];
  if (shards.some((t) => t.key.join() !== key.join()))
    throw new ModelError(`shards ${shards.map((t) => t.name).join(', ')} have different keys`);
  const shard = merge.shardColumns ? SHARD_COLUMNS.map((name) => ({ name, type: SHARD_COLUMN_TYPE })) : [];
  return {
    db: merge.db,
    name: merge.sink,
    columns: [...shard, ...columns],
    key: [...(merge.shardColumns ? SHARD_COLUMNS : []), ...key],
    keyed: new Map(),
    append: [],
    merge,
  };
}
