import { assertNever, formatColumnType, type ColumnType, type Value } from '../../event/column-type.js';
import type { Row } from '../../event/change-event.js';

/** What a compiled expression reads besides the row: metadata values and the clock. */
export interface EvalContext {
  /** Values of the metadata columns the caller declared, by name (e.g. `__table_name__`, `op_ts`). */
  readonly metadata: Readonly<Record<string, Value | undefined>>;
  /**
   * The processing time in ms since 1970 UTC, for CURRENT_TIMESTAMP, NOW(), LOCALTIMESTAMP,
   * UNIX_TIMESTAMP() … (Flink CDC reads the clock once per record).
   */
  readonly nowMs: number;
}

export type Evaluator = (row: Row, ctx: EvalContext) => Value;

/** The type of a NULL literal before it meets a typed operand. */
export interface NullType {
  readonly kind: 'null';
}
/** INTERVAL literals: year-month (a count of months) or day-time (a count of ms). */
export interface IntervalType {
  readonly kind: 'interval';
  readonly yearMonth: boolean;
}
/** A keyword argument (TIMESTAMPADD's unit, TRIM's mode). */
export interface SymbolType {
  readonly kind: 'symbol';
  readonly name: string;
}

export type ExprType = ColumnType | NullType | IntervalType | SymbolType;

/** A type-checked, compiled expression. */
export interface Compiled {
  readonly type: ExprType;
  readonly nullable: boolean;
  readonly eval: Evaluator;
  /** Reads neither row, metadata nor clock (a candidate for folding). */
  readonly constant: boolean;
  /** Offset in the expression text, for messages. */
  readonly pos: number;
}

export const BOOLEAN: ColumnType = { kind: 'boolean' };
export const INT: ColumnType = { kind: 'integer', bytes: 4, unsigned: false };
export const BIGINT: ColumnType = { kind: 'integer', bytes: 8, unsigned: false };
export const DOUBLE: ColumnType = { kind: 'double' };
export const STRING: ColumnType = { kind: 'string' };
export const DATE: ColumnType = { kind: 'date' };

export function typeName(t: ExprType): string {
  switch (t.kind) {
    case 'null':
      return 'NULL';
    case 'interval':
      return t.yearMonth ? 'INTERVAL YEAR TO MONTH' : 'INTERVAL DAY TO SECOND';
    case 'symbol':
      return t.name;
    case 'string':
      return t.length === undefined && !t.fixed ? 'STRING' : formatColumnType(t);
    case 'binary':
      return t.length === undefined ? 'BYTES' : formatColumnType(t);
    case 'timestamp':
      return `TIMESTAMP(${t.precision})`;
    case 'timestamp_ltz':
      return `TIMESTAMP_LTZ(${t.precision})`;
    default:
      return formatColumnType(t);
  }
}

export const isInteger = (t: ExprType): t is Extract<ColumnType, { kind: 'integer' }> => t.kind === 'integer';
export const isNumeric = (t: ExprType): boolean =>
  t.kind === 'integer' || t.kind === 'decimal' || t.kind === 'float' || t.kind === 'double';
export const isString = (t: ExprType): boolean => t.kind === 'string';
export const isTimestamp = (t: ExprType): boolean => t.kind === 'timestamp' || t.kind === 'timestamp_ltz';
export const isTemporal = (t: ExprType): boolean => isTimestamp(t) || t.kind === 'date' || t.kind === 'time';

/** The type a column has inside expressions, and how its stored value becomes that type's value. */
export interface ExpressionView {
  readonly type: ColumnType;
  readonly convert: ((v: Value) => Value) | undefined;
}

/**
 * Columns as Flink CDC's MySQL source types them: unsigned integers widen (INT UNSIGNED is a
 * BIGINT, BIGINT UNSIGNED a DECIMAL(20, 0)), YEAR is an INT, ENUM / SET / JSON are strings,
 * BIT(1) is a BOOLEAN and wider BITs and geometries are bytes. A column projected by itself keeps
 * its own type; this view is for columns used inside expressions.
 */
export function expressionView(t: ColumnType): ExpressionView {
  switch (t.kind) {
    case 'integer':
      return integerView(t);
    case 'decimal':
      return { type: { kind: 'decimal', precision: t.precision, scale: t.scale }, convert: undefined };
    case 'float':
    case 'double':
      return { type: { kind: t.kind }, convert: undefined };
    case 'year':
      return { type: INT, convert: undefined };
    case 'enum':
    case 'set':
    case 'json':
      return { type: STRING, convert: undefined };
    case 'bit':
      return t.length === 1
        ? { type: BOOLEAN, convert: undefined }
        : { type: { kind: 'binary' }, convert: undefined };
    case 'geometry':
      return { type: { kind: 'binary' }, convert: undefined };
    case 'boolean':
    case 'string':
    case 'binary':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamp_ltz':
      return { type: t, convert: undefined };
    default:
      return assertNever(t, 'column type');
  }
}

function integerView(t: Extract<ColumnType, { kind: 'integer' }>): ExpressionView {
  if (!t.unsigned)
    return {
      type: { kind: 'integer', bytes: t.bytes === 3 ? 4 : t.bytes, unsigned: false },
      convert: undefined,
    };
  switch (t.bytes) {
    case 1:
      return { type: { kind: 'integer', bytes: 2, unsigned: false }, convert: undefined };
    case 2:
    case 3:
      return { type: INT, convert: undefined };
    case 4:
      return { type: BIGINT, convert: (v) => (typeof v === 'number' ? BigInt(v) : v) };
    case 8:
      return {
        type: { kind: 'decimal', precision: 20, scale: 0 },
        convert: (v) => (typeof v === 'bigint' ? v.toString() : v),
      };
  }
}

/** Wraps an integer result to the width of its type, as Java's int and long arithmetic do. */
export function wrapInteger(bytes: number, v: number): number {
  switch (bytes) {
    case 1:
      return (v << 24) >> 24;
    case 2:
      return (v << 16) >> 16;
    default:
      return v | 0;
  }
}

/** The same type (string lengths and all). */
export function sameKind(a: ColumnType, b: ColumnType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
