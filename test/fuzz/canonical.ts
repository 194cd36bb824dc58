/**
 * Canonical text of values: the table oracle's renderings (test/support/oracle-values.ts), so that
 * the model, the source and the sink all speak the oracle's canonical text per MySQL type (DECIMAL
 * digits, the stored float32 of a FLOAT, TIMESTAMP as the UTC instant, bytes as hex, JSON
 * semantically, ...). Source cells keep zero dates; the DuckDB sink stores them as NULL except in
 * key columns, whose key text keeps them (README type mapping): see sinkCell.
 */
import {
  canonicalSink,
  canonicalSource as oracleSource,
  isZeroInDate,
  mariaExpression,
  type RenderKind,
  type SourceColumn as OracleColumn,
} from '../support/oracle-values.js';
import { typeSql, type TypeSpec } from './type-spec.js';

export type Cell = string | null;

/** A cell whose value the pipeline cannot know (an expression default the server evaluated). */
export const ANY = '\u0000<any>';

function kindOf(t: TypeSpec): RenderKind {
  switch (t.f) {
    case 'int':
      return 'integer';
    case 'decimal':
    case 'float':
    case 'double':
    case 'bit':
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
    case 'year':
    case 'json':
    case 'geometry':
      return t.f;
    case 'binary':
    case 'blob':
      return 'bytes';
    case 'char':
    case 'text':
    case 'enum':
    case 'set':
      return 'text';
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return 'identity';
  }
}

/** The oracle's view of a column of this type. */
export function oracleColumn(name: string, t: TypeSpec): OracleColumn {
  const kind = kindOf(t);
  return t.f === 'bit'
    ? { name, columnType: typeSql(t), kind, bits: t.len }
    : { name, columnType: typeSql(t), kind };
}

/** The SELECT expression that reads a source column for canonicalSource(). */
export function sourceSelectExpr(name: string, t: TypeSpec): string {
  return mariaExpression(oracleColumn(name, t));
}

/** The canonical text of a value read with sourceSelectExpr. */
export function canonicalSource(name: string, t: TypeSpec, raw: unknown): Cell {
  if (raw === null || raw === undefined) return null;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : (raw as string).toString();
  return oracleSource(oracleColumn(name, t), text, 'exact');
}

/** A source cell as the DuckDB sink holds it outside the primary key (zero dates are NULL). */
export function sinkCell(t: TypeSpec, v: Cell): Cell {
  const temporal = t.f === 'date' || t.f === 'datetime' || t.f === 'timestamp';
  return temporal && v !== null && v !== ANY && isZeroInDate(v) ? null : v;
}

/**
 * The canonical text of a DuckDB value (as the node API returns it) of a column of MySQL type t.
 * A temporal key column (key text, `sinkType` VARCHAR) keeps zero dates.
 */
export function canonicalDuck(name: string, t: TypeSpec, v: unknown, sinkType = ''): Cell {
  return canonicalSink(oracleColumn(name, t), v, sinkType);
}

/** A value shortened for messages. */
export function showCell(v: Cell | undefined): string {
  if (v === undefined) return '(absent)';
  if (v === null) return 'NULL';
  if (v === ANY) return '(any)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 60)}…(${v.length} chars)` : s;
}
