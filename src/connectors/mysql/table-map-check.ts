import type { ColumnType } from '../../event/column-type.js';
import { formatColumnType } from '../../event/column-type.js';
import type { TableSchema } from '../../event/table-schema.js';
import { BINARY_COLLATION, charsetOfCollation, normalizeCharset } from './binlog/charset.js';
import { MysqlType, mysqlTypeName, type TableMapColumn } from './binlog/column-value.js';

/**
 * The storage families a TABLE_MAP column type can belong to. Two types of one family decode the
 * same way; a tracked column whose family differs from the binlog's was mistracked.
 */
type Family =
  | 'int1'
  | 'int2'
  | 'int3'
  | 'int4'
  | 'int8'
  | 'decimal'
  | 'float'
  | 'double'
  | 'timestamp'
  | 'datetime'
  | 'time'
  | 'date'
  | 'year'
  | 'bit'
  | 'enum'
  | 'set'
  | 'json'
  | 'geometry'
  | 'fixed'
  | 'varying'
  | 'blob';

function binlogFamily(c: TableMapColumn): Family | undefined {
  switch (c.realType) {
    case MysqlType.TINY:
      return 'int1';
    case MysqlType.SHORT:
      return 'int2';
    case MysqlType.INT24:
      return 'int3';
    case MysqlType.LONG:
      return 'int4';
    case MysqlType.LONGLONG:
      return 'int8';
    case MysqlType.NEWDECIMAL:
    case MysqlType.DECIMAL:
      return 'decimal';
    case MysqlType.FLOAT:
      return 'float';
    case MysqlType.DOUBLE:
      return 'double';
    case MysqlType.TIMESTAMP:
    case MysqlType.TIMESTAMP2:
      return 'timestamp';
    case MysqlType.DATETIME:
    case MysqlType.DATETIME2:
      return 'datetime';
    case MysqlType.TIME:
    case MysqlType.TIME2:
      return 'time';
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
      return 'date';
    case MysqlType.YEAR:
      return 'year';
    case MysqlType.BIT:
      return 'bit';
    case MysqlType.ENUM:
      return 'enum';
    case MysqlType.SET:
      return 'set';
    case MysqlType.JSON:
      return 'json';
    case MysqlType.GEOMETRY:
      return 'geometry';
    case MysqlType.STRING:
      return 'fixed';
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
      return 'varying';
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.BLOB:
      return 'blob';
    default:
      return undefined;
  }
}

/** The families a tracked column type may have in a TABLE_MAP (MariaDB's JSON is a LONGTEXT). */
function trackedFamilies(t: ColumnType): readonly Family[] | undefined {
  switch (t.kind) {
    case 'boolean':
      return ['int1'];
    case 'integer':
      return [(['int1', 'int2', 'int3', 'int4'] as const)[t.bytes - 1] ?? 'int8'];
    case 'decimal':
    case 'float':
    case 'double':
    case 'time':
    case 'date':
    case 'year':
    case 'bit':
    case 'enum':
    case 'set':
    case 'geometry':
      return [t.kind];
    case 'timestamp':
      return ['datetime'];
    case 'timestamp_ltz':
      return ['timestamp'];
    case 'json':
      return ['json', 'blob'];
    case 'string':
    case 'binary':
      if (t.kind === 'string' && t.format !== undefined) return ['fixed']; // UUID/INET: BINARY(n)
      if (t.kind === 'string' ? t.text : t.blob) return ['blob'];
      return t.fixed ? ['fixed'] : ['varying'];
    default:
      return undefined;
  }
}

/** What differs between a tracked column and the binlog's, or undefined when they agree. */
function columnDifference(t: ColumnType, c: TableMapColumn): string | undefined {
  const fam = binlogFamily(c);
  const allowed = trackedFamilies(t);
  if (fam === undefined || allowed === undefined) return undefined;
  if (!allowed.includes(fam)) return `type ${mysqlTypeName(c.realType)}`;
  switch (t.kind) {
    case 'integer':
      return c.unsigned !== undefined && c.unsigned !== t.unsigned
        ? c.unsigned
          ? 'unsigned'
          : 'signed'
        : undefined;
    case 'decimal':
      return (c.meta >> 8 !== t.precision || (c.meta & 0xff) !== t.scale) &&
        c.realType === MysqlType.NEWDECIMAL
        ? `DECIMAL(${c.meta >> 8},${c.meta & 0xff})`
        : undefined;
    case 'time':
    case 'timestamp':
    case 'timestamp_ltz': {
      const fsp =
        c.realType === MysqlType.TIME2 ||
        c.realType === MysqlType.DATETIME2 ||
        c.realType === MysqlType.TIMESTAMP2
          ? c.meta
          : 0;
      return fsp !== t.precision ? `fractional seconds ${fsp}` : undefined;
    }
    case 'bit': {
      const length = ((c.meta >> 8) & 0xff) * 8 + (c.meta & 0xff);
      return length !== t.length ? `BIT(${length})` : undefined;
    }
    case 'enum':
      return c.enumValues && !sameList(c.enumValues, t.values)
        ? `ENUM members ${c.enumValues.join(',')}`
        : undefined;
    case 'set':
      return c.setValues && !sameList(c.setValues, t.values)
        ? `SET members ${c.setValues.join(',')}`
        : undefined;
    case 'string':
    case 'binary':
      return charsetDifference(t, c);
    default:
      return undefined;
  }
}

function charsetDifference(
  t: ColumnType & { kind: 'string' | 'binary' },
  c: TableMapColumn,
): string | undefined {
  if (c.collationId === undefined) return undefined;
  if (t.kind === 'string' && t.format !== undefined) return undefined; // UUID/INET: stored as BINARY(n)
  const binary = c.collationId === BINARY_COLLATION;
  if (binary !== (t.kind === 'binary')) return binary ? 'binary charset' : 'a character charset';
  if (t.kind === 'binary' || t.charset === undefined) return undefined;
  const cs = charsetOfCollation(c.collationId);
  return cs !== undefined && normalizeCharset(cs) !== normalizeCharset(t.charset)
    ? `charset ${cs}`
    : undefined;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Compares the schema tidemark tracks for a table with the TABLE_MAP the server wrote for it:
 * column count, names (binlog_row_metadata=FULL), storage types and what decoding depends on
 * (signedness, precision, fractional seconds, BIT length, ENUM/SET members, charset). Returns the
 * differences as readable text, or an empty list when they agree.
 */
export function tableMapDifferences(schema: TableSchema, columns: readonly TableMapColumn[]): string[] {
  if (columns.length !== schema.columns.length) {
    return [`${columns.length} columns in the binlog, ${schema.columns.length} tracked`];
  }
  const out: string[] = [];
  columns.forEach((c, i) => {
    const col = schema.columns[i]!;
    if (c.name !== undefined && c.name.toLowerCase() !== col.name.toLowerCase()) {
      out.push(`column #${i + 1} is ${c.name} in the binlog, ${col.name} tracked`);
      return;
    }
    const d = columnDifference(col.type, c);
    if (d) out.push(`column ${col.name}: ${d} in the binlog, ${formatColumnType(col.type)} tracked`);
  });
  return out;
}
