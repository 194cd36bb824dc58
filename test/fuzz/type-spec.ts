/**
 * Column types as the fuzzer sees them: a structured TypeSpec per MySQL/MariaDB type family, its
 * SQL text, its parse back from information_schema.COLUMNS, and the DuckDB type the README's type
 * mapping promises for it.
 */
export type TextSize = 'tiny' | 'text' | 'medium' | 'long';
export type GeometryKind =
  | 'geometry'
  | 'point'
  | 'linestring'
  | 'polygon'
  | 'multipoint'
  | 'multilinestring'
  | 'multipolygon'
  | 'geometrycollection';

export type TypeSpec =
  | { readonly f: 'int'; readonly bytes: 1 | 2 | 3 | 4 | 8; readonly unsigned: boolean }
  | { readonly f: 'decimal'; readonly p: number; readonly s: number; readonly unsigned: boolean }
  | { readonly f: 'float' }
  | { readonly f: 'double' }
  | {
      readonly f: 'char';
      readonly fixed: boolean;
      readonly len: number;
      readonly charset: string;
      readonly collation: string;
    }
  | { readonly f: 'text'; readonly size: TextSize; readonly charset: string; readonly collation: string }
  | { readonly f: 'binary'; readonly fixed: boolean; readonly len: number }
  | { readonly f: 'blob'; readonly size: TextSize }
  | { readonly f: 'date' }
  | { readonly f: 'time'; readonly fsp: number }
  | { readonly f: 'datetime'; readonly fsp: number }
  | { readonly f: 'timestamp'; readonly fsp: number }
  | { readonly f: 'year' }
  | { readonly f: 'bit'; readonly len: number }
  | { readonly f: 'enum'; readonly values: readonly string[]; readonly charset: string }
  | { readonly f: 'set'; readonly values: readonly string[]; readonly charset: string }
  | { readonly f: 'json' }
  | { readonly f: 'geometry'; readonly kind: GeometryKind }
  | { readonly f: 'uuid' }
  | { readonly f: 'inet4' }
  | { readonly f: 'inet6' };

export type Family = TypeSpec['f'];

const INT_NAMES = { 1: 'TINYINT', 2: 'SMALLINT', 3: 'MEDIUMINT', 4: 'INT', 8: 'BIGINT' } as const;
const TEXT_NAMES: Record<TextSize, string> = {
  tiny: 'TINYTEXT',
  text: 'TEXT',
  medium: 'MEDIUMTEXT',
  long: 'LONGTEXT',
};
const BLOB_NAMES: Record<TextSize, string> = {
  tiny: 'TINYBLOB',
  text: 'BLOB',
  medium: 'MEDIUMBLOB',
  long: 'LONGBLOB',
};

/** The SQL type text of a column definition (with charset and collation for text types). */
export function typeSql(t: TypeSpec): string {
  switch (t.f) {
    case 'int':
      return `${INT_NAMES[t.bytes]}${t.unsigned ? ' UNSIGNED' : ''}`;
    case 'decimal':
      return `DECIMAL(${t.p},${t.s})${t.unsigned ? ' UNSIGNED' : ''}`;
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'char':
      return `${t.fixed ? 'CHAR' : 'VARCHAR'}(${t.len}) CHARACTER SET ${t.charset} COLLATE ${t.collation}`;
    case 'text':
      return `${TEXT_NAMES[t.size]} CHARACTER SET ${t.charset} COLLATE ${t.collation}`;
    case 'binary':
      return `${t.fixed ? 'BINARY' : 'VARBINARY'}(${t.len})`;
    case 'blob':
      return BLOB_NAMES[t.size];
    case 'date':
      return 'DATE';
    case 'time':
      return `TIME(${t.fsp})`;
    case 'datetime':
      return `DATETIME(${t.fsp})`;
    case 'timestamp':
      return `TIMESTAMP(${t.fsp})`;
    case 'year':
      return 'YEAR';
    case 'bit':
      return `BIT(${t.len})`;
    case 'enum':
    case 'set':
      return `${t.f.toUpperCase()}(${t.values.map(quoteString).join(',')}) CHARACTER SET ${t.charset}`;
    case 'json':
      return 'JSON';
    case 'geometry':
      return t.kind.toUpperCase();
    case 'uuid':
      return 'UUID';
    case 'inet4':
      return 'INET4';
    case 'inet6':
      return 'INET6';
  }
}

/** A MySQL string literal (backslash and quote escaped). */
export function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

/** A backtick-quoted identifier. */
export function qi(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** What information_schema.COLUMNS (plus the JSON check) says about a column. */
export interface ColumnInfo {
  readonly dataType: string;
  readonly columnType: string;
  readonly charset: string | null;
  readonly collation: string | null;
  readonly isJson: boolean;
}

/** The TypeSpec of a column as information_schema describes it. */
export function typeFromInfo(c: ColumnInfo): TypeSpec {
  const dt = c.dataType.toLowerCase();
  const ct = c.columnType.toLowerCase();
  const unsigned = /\bunsigned\b/.test(ct);
  const args =
    /\(([^)]*)\)/
      .exec(ct)?.[1]
      ?.split(',')
      .map((x) => Number(x.trim())) ?? [];
  const charset = c.charset ?? 'binary';
  const collation = c.collation ?? 'binary';
  if (c.isJson) return { f: 'json' };
  switch (dt) {
    case 'tinyint':
      return { f: 'int', bytes: 1, unsigned };
    case 'smallint':
      return { f: 'int', bytes: 2, unsigned };
    case 'mediumint':
      return { f: 'int', bytes: 3, unsigned };
    case 'int':
      return { f: 'int', bytes: 4, unsigned };
    case 'bigint':
      return { f: 'int', bytes: 8, unsigned };
    case 'decimal':
      return { f: 'decimal', p: args[0] ?? 10, s: args[1] ?? 0, unsigned };
    case 'float':
      return { f: 'float' };
    case 'double':
      return { f: 'double' };
    case 'char':
    case 'varchar':
      return { f: 'char', fixed: dt === 'char', len: args[0] ?? 1, charset, collation };
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return { f: 'text', size: sizeOf(dt, 'text'), charset, collation };
    case 'binary':
    case 'varbinary':
      return { f: 'binary', fixed: dt === 'binary', len: args[0] ?? 1 };
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return { f: 'blob', size: sizeOf(dt, 'blob') };
    case 'date':
      return { f: 'date' };
    case 'time':
      return { f: 'time', fsp: args[0] ?? 0 };
    case 'datetime':
      return { f: 'datetime', fsp: args[0] ?? 0 };
    case 'timestamp':
      return { f: 'timestamp', fsp: args[0] ?? 0 };
    case 'year':
      return { f: 'year' };
    case 'bit':
      return { f: 'bit', len: args[0] ?? 1 };
    case 'enum':
    case 'set':
      return { f: dt, values: parseQuotedList(c.columnType), charset };
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return { f: dt };
    case 'geometry':
    case 'point':
    case 'linestring':
    case 'polygon':
    case 'multipoint':
    case 'multilinestring':
    case 'multipolygon':
    case 'geometrycollection':
      return { f: 'geometry', kind: dt };
    default:
      throw new Error(`fuzzer: unknown column type ${c.columnType}`);
  }
}

function sizeOf(dataType: string, base: 'text' | 'blob'): TextSize {
  const prefix = dataType.slice(0, dataType.length - base.length);
  return prefix === '' ? 'text' : (prefix as TextSize);
}

/** The members of enum('a','b''c'). */
export function parseQuotedList(columnType: string): string[] {
  const out: string[] = [];
  const open = columnType.indexOf('(');
  let i = open + 1;
  while (i < columnType.length && columnType[i] === "'") {
    let v = '';
    i++;
    for (;;) {
      const ch = columnType[i]!;
      if (ch === "'" && columnType[i + 1] === "'") {
        v += "'";
        i += 2;
      } else if (ch === '\\' && i + 1 < columnType.length) {
        v += columnType[i + 1];
        i += 2;
      } else if (ch === "'") {
        i++;
        break;
      } else {
        v += ch;
        i++;
      }
    }
    out.push(v);
    if (columnType[i] === ',') i++;
  }
  return out;
}

/** The DuckDB type the README's type mapping gives a column (as duckdb_columns() spells it). */
export function expectedDuckType(t: TypeSpec, key = false): string {
  // primary-key columns of the temporal types hold the sink's key text (README type mapping)
  if (key && (t.f === 'date' || t.f === 'time' || t.f === 'datetime' || t.f === 'timestamp')) {
    return 'VARCHAR';
  }
  switch (t.f) {
    case 'int': {
      const signed = { 1: 'TINYINT', 2: 'SMALLINT', 3: 'INTEGER', 4: 'INTEGER', 8: 'BIGINT' }[t.bytes];
      return t.unsigned ? `U${signed}` : signed;
    }
    case 'decimal':
      return t.p <= 38 ? `DECIMAL(${t.p},${t.s})` : 'VARCHAR';
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'char':
    case 'text':
    case 'enum':
    case 'set':
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return 'VARCHAR';
    case 'binary':
    case 'blob':
    case 'geometry':
      return 'BLOB';
    case 'date':
      return 'DATE';
    case 'time':
      return 'INTERVAL';
    case 'datetime':
      return 'TIMESTAMP';
    case 'timestamp':
      return 'TIMESTAMP WITH TIME ZONE';
    case 'year':
      return 'SMALLINT';
    case 'bit':
      return t.len === 1 ? 'BOOLEAN' : 'BLOB';
    case 'json':
      return 'JSON';
  }
}

/** True for the families whose values are text in MySQL (charset-bearing). */
export function isTextual(t: TypeSpec): boolean {
  return t.f === 'char' || t.f === 'text' || t.f === 'enum' || t.f === 'set';
}
