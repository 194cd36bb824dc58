/**
 * Column types, modelled on Flink CDC's DataTypes but keeping what MySQL/MariaDB say exactly
 * (unsigned integers, ENUM/SET values, fractional-second precision), so that every sink can pick
 * an exact mapping.
 *
 * Value representation (the `Value` a row holds for a column of that type):
 * | kind          | JS value                                                                 |
 * |---------------|--------------------------------------------------------------------------|
 * | boolean       | boolean                                                                  |
 * | integer       | number when bytes <= 4, bigint when bytes = 8 (signed or unsigned)       |
 * | decimal       | string, exact decimal text with exactly `scale` fraction digits ("4.00")  |
 * | float, double | number (FLOAT: the stored float32 value exactly, e.g. 1.100000023841858)     |
 * | string        | string (decoded from the column charset; MariaDB's UUID, INET4, INET6:    |
 * |               | the text the server shows, see `format`)                                 |
 * | binary        | Uint8Array (trailing zero bytes kept)                                    |
 * | date          | string "YYYY-MM-DD" ("0000-00-00" for the zero date)                      |
 * | time          | string "[-]HH:MM:SS[.ffffff]" (hours may exceed 24; fsp digits = precision)|
 * | timestamp     | string "YYYY-MM-DD HH:MM:SS[.ffffff]": wall-clock, no zone (DATETIME)     |
 * | timestamp_ltz | string "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC: an instant (TIMESTAMP)       |
 * | year          | number (0 for the zero year)                                             |
 * | bit           | Uint8Array of ceil(length/8) bytes, big-endian; boolean when length = 1   |
 * | enum, set     | string (SET: members joined by ",")                                      |
 * | json          | string, JSON text                                                        |
 * | geometry      | Uint8Array: MySQL internal form (4-byte little-endian SRID + WKB); JSON    |
 * |               | formats render it with geometryToJson (GeoJSON-like, with "srid")          |
 *
 * `null` is SQL NULL. `undefined` means "column absent from this row image" (binlog_row_image
 * MINIMAL/NOBLOB): never a fake NULL.
 */
export type ColumnType =
  | { kind: 'boolean' }
  | { kind: 'integer'; bytes: 1 | 2 | 3 | 4 | 8; unsigned: boolean }
  | { kind: 'decimal'; precision: number; scale: number; unsigned?: boolean }
  | { kind: 'float'; unsigned?: boolean }
  | { kind: 'double'; unsigned?: boolean }
  | {
      kind: 'string';
      length?: number;
      fixed?: boolean;
      charset?: string;
      text?: 'tiny' | 'text' | 'medium' | 'long';
      /**
       * A MariaDB type stored as fixed-size binary and shown as text (UUID, INET4, INET6): the
       * binlog carries the bytes, the value is the server's text; the server orders by the bytes.
       */
      format?: FixedBinaryFormat;
    }
  | { kind: 'binary'; length?: number; fixed?: boolean; blob?: 'tiny' | 'blob' | 'medium' | 'long' }
  | { kind: 'date' }
  | { kind: 'time'; precision: number }
  | { kind: 'timestamp'; precision: number }
  | { kind: 'timestamp_ltz'; precision: number }
  | { kind: 'year' }
  | { kind: 'bit'; length: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'set'; values: readonly string[] }
  | { kind: 'json' }
  | { kind: 'geometry'; geometryType?: string };

export type ColumnKind = ColumnType['kind'];

/** See the `format` of string columns. */
export type FixedBinaryFormat = 'uuid' | 'inet4' | 'inet6';

export type Value = null | boolean | number | bigint | string | Uint8Array;

/** Readable SQL-ish rendering, used in logs, errors and docs. */
export function formatColumnType(t: ColumnType): string {
  switch (t.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'integer': {
      const name = { 1: 'TINYINT', 2: 'SMALLINT', 3: 'MEDIUMINT', 4: 'INT', 8: 'BIGINT' }[t.bytes];
      return t.unsigned ? `${name} UNSIGNED` : name;
    }
    case 'decimal':
      return `DECIMAL(${t.precision},${t.scale})${t.unsigned ? ' UNSIGNED' : ''}`;
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'string':
      if (t.format) return t.format.toUpperCase();
      if (t.text) return `${t.text === 'text' ? '' : t.text.toUpperCase()}TEXT`;
      return `${t.fixed ? 'CHAR' : 'VARCHAR'}(${t.length ?? ''})`;
    case 'binary':
      if (t.blob) return `${t.blob === 'blob' ? '' : t.blob.toUpperCase()}BLOB`;
      return `${t.fixed ? 'BINARY' : 'VARBINARY'}(${t.length ?? ''})`;
    case 'date':
      return 'DATE';
    case 'time':
      return `TIME(${t.precision})`;
    case 'timestamp':
      return `DATETIME(${t.precision})`;
    case 'timestamp_ltz':
      return `TIMESTAMP(${t.precision})`;
    case 'year':
      return 'YEAR';
    case 'bit':
      return `BIT(${t.length})`;
    case 'enum':
      return `ENUM(${t.values.map((v) => `'${v}'`).join(',')})`;
    case 'set':
      return `SET(${t.values.map((v) => `'${v}'`).join(',')})`;
    case 'json':
      return 'JSON';
    case 'geometry':
      return (t.geometryType ?? 'GEOMETRY').toUpperCase();
    default:
      return assertNever(t);
  }
}

/**
 * The same type (the same kind and the same parameters, whatever their key order; a parameter
 * set to undefined is one not given). On hot paths (a source checking each row's types): no
 * allocation when the types are one object or differ in kind.
 */
export function sameColumnType(a: ColumnType, b: ColumnType): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  const x = a as Readonly<Record<string, unknown>>;
  const y = b as Readonly<Record<string, unknown>>;
  for (const k in x) if (!sameParameter(x[k], y[k])) return false;
  for (const k in y) if (!(k in x) && y[k] !== undefined) return false;
  return true;
}

/** Parameters are scalars or lists of strings (ENUM and SET values). */
function sameParameter(p: unknown, q: unknown): boolean {
  if (p === q) return true;
  if (!Array.isArray(p) || !Array.isArray(q) || p.length !== q.length) return false;
  return p.every((v, i) => v === q[i]);
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
