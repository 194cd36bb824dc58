/**
 * The structured operations a scenario is made of. Each statement keeps its intent (a column rename
 * is not a drop plus an add), so that the sink model knows what the source did; `renderSql` turns it
 * into the SQL that runs. A scenario's log is a list of LogEntry: source operations and pipeline
 * actions, replayable as they are.
 */
import { qi, quoteString, typeSql, type TypeSpec } from './type-spec.js';
import { filterText, projectionText, type MergeSpec, type TransformSpec } from './transform-model.js';

export interface TableRef {
  readonly db: string;
  readonly name: string;
}

export type DefaultSpec =
  | { readonly k: 'null' }
  /** A literal (also X'..', 0x.., b'..'): the same value for every row. */
  | { readonly k: 'literal'; readonly sql: string }
  /** CURRENT_TIMESTAMP[(n)] on DATETIME/TIMESTAMP: the statement's time. */
  | { readonly k: 'now'; readonly sql: string }
  /** An expression the server evaluates per row: `(uuid())`, `(rand())`, `(1 + 2)`. */
  | { readonly k: 'expr'; readonly sql: string };

export interface ColumnDef {
  readonly name: string;
  readonly type: TypeSpec;
  readonly notNull: boolean;
  readonly default?: DefaultSpec;
  readonly onUpdateNow?: boolean;
}

export type Position = { readonly k: 'first' } | { readonly k: 'after'; readonly column: string };

export type AlterClause =
  | { readonly k: 'add'; readonly col: ColumnDef; readonly ifNotExists: boolean; readonly pos?: Position }
  | { readonly k: 'drop'; readonly name: string; readonly ifExists: boolean }
  | { readonly k: 'modify'; readonly col: ColumnDef; readonly ifExists: boolean; readonly pos?: Position }
  | {
      readonly k: 'change';
      readonly from: string;
      readonly col: ColumnDef;
      readonly ifExists: boolean;
      readonly pos?: Position;
    }
  | { readonly k: 'rename-column'; readonly from: string; readonly to: string }
  | { readonly k: 'add-pk'; readonly columns: readonly string[] }
  | { readonly k: 'drop-pk' }
  | { readonly k: 'rename-table'; readonly to: TableRef };

export type Op =
  | {
      readonly k: 'create';
      readonly table: TableRef;
      readonly columns: readonly ColumnDef[];
      readonly key: readonly string[];
      readonly ifNotExists: boolean;
    }
  | {
      readonly k: 'create-like';
      readonly table: TableRef;
      readonly like: TableRef;
      readonly ifNotExists: boolean;
    }
  | { readonly k: 'drop'; readonly tables: readonly TableRef[]; readonly ifExists: boolean }
  | { readonly k: 'rename'; readonly pairs: readonly { readonly from: TableRef; readonly to: TableRef }[] }
  | { readonly k: 'truncate'; readonly table: TableRef }
  | { readonly k: 'alter'; readonly table: TableRef; readonly clauses: readonly AlterClause[] }
  | {
      readonly k: 'insert';
      readonly table: TableRef;
      readonly columns: readonly string[];
      /** One SQL value list per row (literals or DEFAULT). */
      readonly rows: readonly (readonly string[])[];
      readonly replace?: boolean;
      /** ON DUPLICATE KEY UPDATE assignments. */
      readonly onDuplicate?: readonly { readonly column: string; readonly sql: string }[];
    }
  | {
      readonly k: 'update';
      readonly table: TableRef;
      readonly set: readonly { readonly column: string; readonly sql: string }[];
      readonly where: string;
      readonly limit?: number;
    }
  | { readonly k: 'delete'; readonly table: TableRef; readonly where: string; readonly limit?: number }
  /** Several DML operations in one transaction, committed or rolled back. */
  | { readonly k: 'txn'; readonly ops: readonly Op[]; readonly rollback: boolean };

export type PipelineAction =
  /** Run with --exit-when-caught-up, then compare the sink with the model. */
  | { readonly k: 'run' }
  /** Run in the background and stop it with a signal after `afterMs` (from the first log line). */
  | { readonly k: 'kill'; readonly signal: 'SIGTERM' | 'SIGKILL'; readonly afterMs: number }
  /** Start a background run; the following operations run while it streams. */
  | { readonly k: 'start' }
  /** Stop the background run started by `start` (SIGTERM, SIGKILL). */
  | { readonly k: 'stop'; readonly signal: 'SIGTERM' | 'SIGKILL' }
  /** A new pipeline (new state directory and DuckDB file): a snapshot of the source at its first run. */
  | {
      readonly k: 'fresh';
      readonly parallelism: number;
      readonly chunkSize: number;
      /** scan.incremental.snapshot.chunk.key-column entries for tables without a key. */
      readonly chunkKeys: readonly { readonly table: TableRef; readonly column: string }[];
      /** Transform rules (feature `transform`). */
      readonly transforms?: readonly TransformSpec[];
      /** Shard tables routed into one sink table (features `merge`, `merge-shard-columns`). */
      readonly merge?: MergeSpec;
    };

export type LogEntry =
  { readonly t: 'op'; readonly op: Op } | { readonly t: 'pipeline'; readonly action: PipelineAction };

export function tableSql(t: TableRef): string {
  return `${qi(t.db)}.${qi(t.name)}`;
}

export function columnDefSql(c: ColumnDef): string {
  let s = `${qi(c.name)} ${typeSql(c.type)}${c.notNull ? ' NOT NULL' : ' NULL'}`;
  if (c.default) s += ` DEFAULT ${c.default.k === 'null' ? 'NULL' : c.default.sql}`;
  if (c.onUpdateNow) s += ' ON UPDATE CURRENT_TIMESTAMP';
  return s;
}

function positionSql(p: Position | undefined): string {
  if (!p) return '';
  return p.k === 'first' ? ' FIRST' : ` AFTER ${qi(p.column)}`;
}

function clauseSql(c: AlterClause): string {
  switch (c.k) {
    case 'add':
      return `ADD COLUMN ${c.ifNotExists ? 'IF NOT EXISTS ' : ''}${columnDefSql(c.col)}${positionSql(c.pos)}`;
    case 'drop':
      return `DROP COLUMN ${c.ifExists ? 'IF EXISTS ' : ''}${qi(c.name)}`;
    case 'modify':
      return `MODIFY COLUMN ${c.ifExists ? 'IF EXISTS ' : ''}${columnDefSql(c.col)}${positionSql(c.pos)}`;
    case 'change':
      return `CHANGE COLUMN ${c.ifExists ? 'IF EXISTS ' : ''}${qi(c.from)} ${columnDefSql(c.col)}${positionSql(c.pos)}`;
    case 'rename-column':
      return `RENAME COLUMN ${qi(c.from)} TO ${qi(c.to)}`;
    case 'add-pk':
      return `ADD PRIMARY KEY (${c.columns.map(qi).join(', ')})`;
    case 'drop-pk':
      return 'DROP PRIMARY KEY';
    case 'rename-table':
      return `RENAME TO ${tableSql(c.to)}`;
  }
}

function assignments(set: readonly { column: string; sql: string }[]): string {
  return set.map((a) => `${qi(a.column)} = ${a.sql}`).join(', ');
}

/** The SQL text of an operation (a transaction: its statements joined with `;`). */
export function renderSql(op: Op): string {
  switch (op.k) {
    case 'create': {
      const parts = op.columns.map(columnDefSql);
      if (op.key.length) parts.push(`PRIMARY KEY (${op.key.map(qi).join(', ')})`);
      return `CREATE TABLE ${op.ifNotExists ? 'IF NOT EXISTS ' : ''}${tableSql(op.table)} (${parts.join(', ')})`;
    }
    case 'create-like':
      return `CREATE TABLE ${op.ifNotExists ? 'IF NOT EXISTS ' : ''}${tableSql(op.table)} LIKE ${tableSql(op.like)}`;
    case 'drop':
      return `DROP TABLE ${op.ifExists ? 'IF EXISTS ' : ''}${op.tables.map(tableSql).join(', ')}`;
    case 'rename':
      return `RENAME TABLE ${op.pairs.map((p) => `${tableSql(p.from)} TO ${tableSql(p.to)}`).join(', ')}`;
    case 'truncate':
      return `TRUNCATE TABLE ${tableSql(op.table)}`;
    case 'alter':
      return `ALTER TABLE ${tableSql(op.table)} ${op.clauses.map(clauseSql).join(', ')}`;
    case 'insert': {
      const cols = op.columns.length ? ` (${op.columns.map(qi).join(', ')})` : '';
      const rows = op.rows.map((r) => `(${r.join(', ')})`).join(', ');
      const dup = op.onDuplicate?.length ? ` ON DUPLICATE KEY UPDATE ${assignments(op.onDuplicate)}` : '';
      return `${op.replace ? 'REPLACE' : 'INSERT'} INTO ${tableSql(op.table)}${cols} VALUES ${rows}${dup}`;
    }
    case 'update':
      return `UPDATE ${tableSql(op.table)} SET ${assignments(op.set)} WHERE ${op.where}${op.limit ? ` LIMIT ${op.limit}` : ''}`;
    case 'delete':
      return `DELETE FROM ${tableSql(op.table)} WHERE ${op.where}${op.limit ? ` LIMIT ${op.limit}` : ''}`;
    case 'txn':
      return ['BEGIN', ...op.ops.map(renderSql), op.rollback ? 'ROLLBACK' : 'COMMIT'].join(';\n');
  }
}

/** The log as a readable script: SQL statements, pipeline actions as comments. */
export function renderLog(log: readonly LogEntry[]): string {
  return log
    .map((e) => {
      if (e.t === 'op') return renderSql(e.op) + ';';
      const a = e.action;
      switch (a.k) {
        case 'run':
          return '-- tidemark run --exit-when-caught-up, then compare the sink';
        case 'kill':
          return `-- tidemark run in the background, ${a.signal} after ${a.afterMs} ms`;
        case 'start':
          return '-- tidemark run in the background (the statements below run while it streams)';
        case 'stop':
          return `-- stop the background run with ${a.signal}`;
        case 'fresh': {
          const keys = a.chunkKeys.map((c) => `${c.table.db}.${c.table.name}:${c.column}`).join(';');
          const rules = [
            ...(a.transforms ?? []).map(
              (t) =>
                `\n--   transform ${t.table.db}.${t.table.name}: projection ${projectionText(t)}${t.filter ? `; filter ${filterText(t.filter)}` : ''}`,
            ),
            ...(a.merge
              ? [
                  `\n--   route ${a.merge.db}.${a.merge.prefix}\\.* -> ${a.merge.db}.${a.merge.sink}${a.merge.shardColumns ? ' (shard-columns)' : ''}`,
                ]
              : []),
          ].join('');
          return `-- a new pipeline (new state directory and DuckDB file): parallelism ${a.parallelism}, chunk size ${a.chunkSize}${keys ? `, chunk key columns ${keys}` : ''}${rules}`;
        }
      }
    })
    .join('\n');
}

/** The tables an operation touches (by name before it runs). */
export function tablesOf(op: Op): TableRef[] {
  switch (op.k) {
    case 'create':
    case 'truncate':
    case 'insert':
    case 'update':
    case 'delete':
      return [op.table];
    case 'create-like':
      return [op.table, op.like];
    case 'drop':
      return [...op.tables];
    case 'rename':
      return op.pairs.flatMap((p) => [p.from, p.to]);
    case 'alter': {
      const out = [op.table];
      for (const c of op.clauses) if (c.k === 'rename-table') out.push(c.to);
      return out;
    }
    case 'txn':
      return op.ops.flatMap(tablesOf);
  }
}

export function isDml(op: Op): boolean {
  return op.k === 'insert' || op.k === 'update' || op.k === 'delete' || op.k === 'txn';
}

export { quoteString };
