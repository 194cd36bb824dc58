import { assertNever, formatColumnType, type ColumnType } from '../../event/column-type.js';
import { parseMysqlColumnType } from './type-mapping.js';

/** MySQL column types shown in the mapping table (parsed by the same code the source runs). */
const SAMPLES = [
  'TINYINT(1)',
  'TINYINT',
  'TINYINT UNSIGNED',
  'SMALLINT UNSIGNED',
  'MEDIUMINT',
  'INT UNSIGNED',
  'BIGINT',
  'BIGINT UNSIGNED',
  'DECIMAL(10,2)',
  'DECIMAL(65,30)',
  'FLOAT',
  'DOUBLE',
  'BIT(1)',
  'BIT(10)',
  'DATE',
  'TIME(3)',
  'DATETIME(6)',
  'TIMESTAMP(3)',
  'YEAR',
  'CHAR(10)',
  'VARCHAR(255)',
  'TEXT',
  'BINARY(16)',
  'VARBINARY(64)',
  'BLOB',
  "ENUM('a','b')",
  "SET('a','b')",
  'JSON',
  'GEOMETRY',
  'UUID',
];

/**
 * The type Flink CDC's MySQL pipeline connector gives a column (its MySqlTypeUtils, with
 * treat-tinyint1-as-boolean.enabled at its default, true), for comparison.
 */
function flinkCdcType(t: ColumnType, mysql: string): string {
  switch (t.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'integer':
      if (mysql.startsWith('TINYINT(1)')) return 'BOOLEAN';
      if (!t.unsigned) return { 1: 'TINYINT', 2: 'SMALLINT', 3: 'INT', 4: 'INT', 8: 'BIGINT' }[t.bytes];
      return { 1: 'SMALLINT', 2: 'INT', 3: 'INT', 4: 'BIGINT', 8: 'DECIMAL(20, 0)' }[t.bytes];
    case 'decimal':
      return t.precision > 38 ? 'STRING' : `DECIMAL(${t.precision}, ${t.scale})`;
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'string':
      return t.text || t.format ? 'STRING' : `${t.fixed ? 'CHAR' : 'VARCHAR'}(${t.length ?? ''})`;
    case 'binary':
      return t.blob ? 'BYTES' : `${t.fixed ? 'BINARY' : 'VARBINARY'}(${t.length ?? ''})`;
    case 'date':
      return 'DATE';
    case 'time':
      return `TIME(${t.precision})`;
    case 'timestamp':
      return `TIMESTAMP(${t.precision})`;
    case 'timestamp_ltz':
      return `TIMESTAMP_LTZ(${t.precision})`;
    case 'year':
      return 'INT';
    case 'bit':
      return t.length === 1 ? 'BOOLEAN' : `BINARY(${Math.ceil(t.length / 8)})`;
    case 'enum':
    case 'set':
    case 'json':
    case 'geometry':
      return 'STRING';
    default:
      return assertNever(t);
  }
}

/** The MySQL → pipeline type table of the README, from the source's own type parser. */
export function mysqlTypeMappingMarkdown(): string {
  const rows = SAMPLES.map((mysql) => {
    const t = parseMysqlColumnType(mysql.toLowerCase());
    return `| ${mysql} | ${formatColumnType(t).replaceAll('|', '\\|')} | ${flinkCdcType(t, mysql)} |`;
  });
  return [
    '### MySQL type mapping',
    '',
    'The type a `mysql` source column has in the pipeline (what transforms and sinks see), generated',
    'from the parser the source runs, next to what Flink CDC gives it. tidemark keeps the exact type:',
    'unsigned integers stay unsigned (each sink picks an exact type: DuckDB has UINTEGER, UBIGINT),',
    'DECIMAL keeps up to 65 digits, TINYINT(1) stays an integer (it may hold -128..127; Flink CDC turns it',
    'into BOOLEAN by default, and `treat-tinyint1-as-boolean.enabled: true` is refused rather than lose',
    'values), BIT(1) values are booleans, YEAR is its own type (a sink without one takes SMALLINT).',
    '',
    '| MySQL type | tidemark pipeline type | Flink CDC pipeline type |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}
