/**
 * Transform rules and merged routes of a scenario (features `transform`, `merge`,
 * `merge-shard-columns`): their structured form (kept in the log's `fresh` action, so that a
 * replay writes the same pipeline), their YAML, and what the model needs to compute the sink:
 * each computed column's Flink CDC type (as the sink's TypeSpec) and value, the filter, and the
 * widened types of a merged sink table.
 *
 * Only well-defined expressions are generated (README "Transforms", "Transform expression
 * functions"): UPPER of strings, `+ 1` / `* 2` of integers and DECIMALs up to 38 digits (integers
 * of Flink CDC's types: MySQL's unsigned ones are the next wider type, BIGINT UNSIGNED is
 * DECIMAL(20, 0); signed INT and BIGINT wrap as Java does), CONCAT with CAST of an integer AS
 * STRING, CASE WHEN with THEN/ELSE literals of one length, COALESCE of a string with a literal,
 * the metadata columns, and filters over integers and strings (a comparison with NULL is FALSE).
 */
import type { Cell } from './canonical.js';
import type { TableRef } from './operations.js';
import type { TypeSpec } from './type-spec.js';

/** A source column an expression reads (its name as it is when the rule is made). */
export type Expr =
  | { readonly k: 'upper'; readonly col: string }
  | { readonly k: 'arith'; readonly col: string; readonly op: '+' | '*'; readonly n: 1 | 2 }
  | { readonly k: 'concat'; readonly str: string; readonly int: string }
  | {
      readonly k: 'case';
      readonly col: string;
      readonly gt: number;
      readonly then: string;
      readonly else: string;
    }
  | { readonly k: 'coalesce'; readonly col: string; readonly dflt: string }
  | {
      readonly k: 'meta';
      readonly name: '__table_name__' | '__schema_name__' | '__namespace_name__' | '__data_event_type__';
    };

export type Filter =
  | { readonly k: 'mod'; readonly col: string; readonly m: number }
  | { readonly k: 'gt'; readonly col: string; readonly n: number; readonly orNull: boolean }
  | { readonly k: 'len'; readonly col: string; readonly n: number }
  | { readonly k: 'not-null'; readonly col: string };

export interface ComputedColumn {
  readonly name: string;
  readonly expr: Expr;
}

/** A transform rule on one table: `\*` plus computed columns, and maybe a filter. */
export interface TransformSpec {
  readonly table: TableRef;
  readonly computed: readonly ComputedColumn[];
  readonly filter?: Filter;
}

/** Source tables `db.shard_*` routed into `db.merged`. */
export interface MergeSpec {
  readonly db: string;
  readonly prefix: string;
  readonly sink: string;
  readonly shardColumns: boolean;
}

/** The columns `shard-columns` adds (README "Routing and sharded merges"). */
export const SHARD_COLUMNS = ['_db_name', '_table_name'] as const;
export const SHARD_COLUMN_TYPE: TypeSpec = {
  f: 'char',
  fixed: false,
  len: 64,
  charset: 'utf8mb4',
  collation: 'utf8mb4_bin',
};

const STRING: TypeSpec = { f: 'text', size: 'long', charset: 'utf8mb4', collation: 'utf8mb4_bin' };
const INT: TypeSpec = { f: 'int', bytes: 4, unsigned: false };
const BIGINT: TypeSpec = { f: 'int', bytes: 8, unsigned: false };

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Columns the generator lets an expression read: plain names only (no quoting questions). */
export const PLAIN_NAME = /^[cC]\d+$/;

/** The columns an expression or filter reads. */
export function exprColumns(e: Expr): string[] {
  switch (e.k) {
    case 'upper':
    case 'arith':
    case 'case':
    case 'coalesce':
      return [e.col];
    case 'concat':
      return [e.str, e.int];
    case 'meta':
      return [];
  }
}

export function referencedColumns(t: TransformSpec): string[] {
  return [...t.computed.flatMap((c) => exprColumns(c.expr)), ...(t.filter ? [t.filter.col] : [])];
}

export function exprText(e: Expr): string {
  switch (e.k) {
    case 'upper':
      return `UPPER(${e.col})`;
    case 'arith':
      return `${e.col} ${e.op} ${e.n}`;
    case 'concat':
      return `CONCAT(${e.str}, '-', CAST(${e.int} AS STRING))`;
    case 'case':
      return `CASE WHEN ${e.col} > ${e.gt} THEN ${q(e.then)} ELSE ${q(e.else)} END`;
    case 'coalesce':
      return `COALESCE(${e.col}, ${q(e.dflt)})`;
    case 'meta':
      return e.name;
  }
}

export function filterText(f: Filter): string {
  switch (f.k) {
    case 'mod':
      return `${f.col} % ${f.m} <> 0`;
    case 'gt':
      return f.orNull ? `${f.col} IS NULL OR ${f.col} > ${f.n}` : `${f.col} > ${f.n}`;
    case 'len':
      return `CHAR_LENGTH(${f.col}) > ${f.n}`;
    case 'not-null':
      return `${f.col} IS NOT NULL`;
  }
}

export function projectionText(t: TransformSpec): string {
  return ['\\*', ...t.computed.map((c) => `${exprText(c.expr)} AS ${c.name}`)].join(', ');
}

/** Flink CDC's type of a MySQL integer column: unsigned ones are the next wider type. */
function flinkInteger(t: Extract<TypeSpec, { f: 'int' }>): TypeSpec {
  if (!t.unsigned) return t.bytes === 3 ? INT : t;
  switch (t.bytes) {
    case 1:
      return { f: 'int', bytes: 2, unsigned: false };
    case 2:
    case 3:
      return INT;
    case 4:
      return BIGINT;
    case 8:
      return { f: 'decimal', p: 20, s: 0, unsigned: false };
  }
}

/** The result type of `col op n` (n an INT literal), as Calcite types it. */
function arithType(t: TypeSpec, op: '+' | '*'): TypeSpec {
  const a = t.f === 'int' ? flinkInteger(t) : t;
  if (a.f === 'int') return a.bytes === 8 ? BIGINT : INT;
  if (a.f !== 'decimal') throw new Error(`fuzzer: arithmetic on ${t.f}`);
  const p = op === '+' ? Math.min(38, Math.max(a.p - a.s, 10) + a.s + 1) : Math.min(38, a.p + 10);
  return { f: 'decimal', p, s: a.s, unsigned: false };
}

/** The type of a computed column in the sink (as a MySQL TypeSpec with the same DuckDB type). */
export function exprType(e: Expr, typeOf: (col: string) => TypeSpec): TypeSpec {
  switch (e.k) {
    case 'arith':
      return arithType(typeOf(e.col), e.op);
    default:
      return STRING;
  }
}

/** Whether a column type can feed an expression kind. */
export function isIntType(t: TypeSpec): boolean {
  return t.f === 'int';
}
export function isArithType(t: TypeSpec): boolean {
  return t.f === 'int' || (t.f === 'decimal' && t.p <= 38);
}
export function isStringType(t: TypeSpec): boolean {
  return t.f === 'char' || t.f === 'text';
}

function wrap(bits: 32 | 64, v: bigint): bigint {
  return BigInt.asIntN(bits, v);
}

/** Canonical DECIMAL text of an unscaled value. */
function decimalText(u: bigint, scale: number): string {
  const neg = u < 0n;
  const digits = (neg ? -u : u).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

function unscaled(text: string, scale: number): bigint {
  const neg = text.startsWith('-');
  const [i, f = ''] = text.replace(/^[-+]/, '').split('.');
  const u = BigInt((i || '0') + f.padEnd(scale, '0').slice(0, scale));
  return neg ? -u : u;
}

/** A DECIMAL cell at another scale (a wider one: exact). */
export function rescale(text: string, scale: number): string {
  return decimalText(unscaled(text, scale), scale);
}

export interface EvalRow {
  readonly get: (col: string) => Cell | undefined;
  readonly typeOf: (col: string) => TypeSpec;
  readonly db: string;
  readonly table: string;
  /** `+I`, `+U`; undefined: not known from the source's states (ANY). */
  readonly eventType: string | undefined;
}

/** The value of a computed column for a row, as canonical text; undefined: not known (ANY). */
export function evalExpr(e: Expr, r: EvalRow): Cell | undefined {
  switch (e.k) {
    case 'upper': {
      const v = r.get(e.col);
      return v == null ? null : v.toUpperCase();
    }
    case 'arith': {
      const v = r.get(e.col);
      if (v == null) return null;
      const out = exprType(e, r.typeOf);
      if (out.f === 'int') {
        const x = BigInt(v);
        const y = e.op === '+' ? x + BigInt(e.n) : x * BigInt(e.n);
        return wrap(out.bytes === 8 ? 64 : 32, y).toString();
      }
      if (out.f !== 'decimal') throw new Error('fuzzer: arithmetic type');
      const x = unscaled(v, out.s);
      const y = e.op === '+' ? x + BigInt(e.n) * 10n ** BigInt(out.s) : x * BigInt(e.n);
      // DECIMAL past its precision is NULL (README function table, Flink CDC)
      return (y < 0n ? -y : y).toString().length > out.p ? null : decimalText(y, out.s);
    }
    case 'concat': {
      const a = r.get(e.str);
      const b = r.get(e.int);
      return a == null || b == null ? null : `${a}-${b}`;
    }
    case 'case': {
      const v = r.get(e.col);
      return v != null && BigInt(v) > BigInt(e.gt) ? e.then : e.else;
    }
    case 'coalesce': {
      const v = r.get(e.col);
      return v ?? e.dflt;
    }
    case 'meta':
      switch (e.name) {
        case '__table_name__':
          return r.table;
        case '__schema_name__':
          return r.db;
        case '__namespace_name__':
          return null;
        case '__data_event_type__':
          return r.eventType;
      }
  }
}

/** Whether a row passes the filter (NULL comparisons are FALSE). */
export function passes(f: Filter | undefined, r: EvalRow): boolean {
  if (!f) return true;
  const v = r.get(f.col);
  switch (f.k) {
    case 'mod':
      return v != null && BigInt(v) % BigInt(f.m) !== 0n;
    case 'gt':
      return v == null ? f.orNull : BigInt(v) > BigInt(f.n);
    case 'len':
      return v != null && [...v].length > f.n;
    case 'not-null':
      return v != null;
  }
}

/** The pipeline YAML of the rules (appended to the pipeline definition). */
export function rulesYaml(transforms: readonly TransformSpec[], merge: MergeSpec | undefined): string[] {
  const lines: string[] = [];
  if (transforms.length) {
    lines.push('transform:');
    for (const t of transforms) {
      lines.push(`  - source-table: ${JSON.stringify(`${t.table.db}.${t.table.name}`)}`);
      lines.push(`    projection: ${JSON.stringify(projectionText(t))}`);
      if (t.filter) lines.push(`    filter: ${JSON.stringify(filterText(t.filter))}`);
    }
  }
  if (merge) {
    lines.push(
      'route:',
      `  - source-table: ${JSON.stringify(`${merge.db}.${merge.prefix}\\.*`)}`,
      `    sink-table: ${JSON.stringify(`${merge.db}.${merge.sink}`)}`,
    );
    if (merge.shardColumns) lines.push('    shard-columns: true');
  }
  return lines;
}
