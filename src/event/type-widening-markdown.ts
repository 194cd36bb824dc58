import { formatColumnType, type ColumnType } from './column-type.js';
import { widerColumnType } from './wider-column-type.js';

const int = (bytes: 1 | 2 | 3 | 4 | 8, unsigned = false): ColumnType => ({
  kind: 'integer',
  bytes,
  unsigned,
});
const decimal = (precision: number, scale: number): ColumnType => ({ kind: 'decimal', precision, scale });
const varchar = (length: number): ColumnType => ({ kind: 'string', length });

/** Pairs of column types met in one column of merged tables, with what Flink CDC makes of them. */
export const WIDENING_EXAMPLES: readonly { a: ColumnType; b: ColumnType; flink: string }[] = [
  { a: int(1), b: int(2), flink: 'SMALLINT' },
  { a: int(2), b: int(4), flink: 'INT' },
  { a: int(4), b: int(8), flink: 'BIGINT' },
  { a: int(1, true), b: int(1), flink: 'SMALLINT (TINYINT UNSIGNED is a SMALLINT)' },
  { a: int(4, true), b: int(4), flink: 'BIGINT (INT UNSIGNED is a BIGINT)' },
  { a: int(8, true), b: int(8), flink: 'DECIMAL(20,0) (BIGINT UNSIGNED is a DECIMAL(20,0))' },
  { a: int(3), b: int(1), flink: 'INT (MEDIUMINT is an INT)' },
  { a: { kind: 'year' }, b: int(1), flink: 'INT (YEAR is an INT)' },
  { a: int(4), b: decimal(10, 2), flink: 'DECIMAL(12,2)' },
  { a: int(8), b: decimal(10, 2), flink: 'DECIMAL(21,2)' },
  { a: decimal(10, 2), b: decimal(12, 4), flink: 'DECIMAL(12,4)' },
  { a: decimal(65, 30), b: decimal(65, 0), flink: 'DECIMAL bounded at 38 digits: fraction digits cut' },
  { a: int(2), b: { kind: 'float' }, flink: 'FLOAT' },
  { a: int(4), b: { kind: 'float' }, flink: 'DOUBLE' },
  { a: int(4), b: { kind: 'double' }, flink: 'DOUBLE' },
  { a: int(8), b: { kind: 'double' }, flink: 'DOUBLE (rounds large values)' },
  { a: { kind: 'float' }, b: { kind: 'double' }, flink: 'DOUBLE' },
  { a: decimal(10, 2), b: { kind: 'double' }, flink: 'STRING' },
  { a: varchar(10), b: varchar(255), flink: 'STRING' },
  {
    a: { kind: 'string', length: 5, fixed: true },
    b: { kind: 'string', length: 8, fixed: true },
    flink: 'STRING',
  },
  { a: varchar(255), b: { kind: 'string', text: 'text' }, flink: 'STRING' },
  { a: { kind: 'enum', values: ['new', 'paid'] }, b: varchar(3), flink: 'STRING' },
  { a: { kind: 'json' }, b: varchar(10), flink: 'STRING' },
  { a: int(4), b: varchar(10), flink: 'STRING' },
  { a: { kind: 'boolean' }, b: int(1), flink: 'STRING' },
  { a: { kind: 'date' }, b: { kind: 'timestamp', precision: 3 }, flink: 'TIMESTAMP(9)' },
  {
    a: { kind: 'timestamp', precision: 6 },
    b: { kind: 'timestamp_ltz', precision: 0 },
    flink: 'TIMESTAMP_LTZ(6)',
  },
  { a: { kind: 'time', precision: 0 }, b: { kind: 'time', precision: 3 }, flink: 'STRING' },
  { a: { kind: 'date' }, b: { kind: 'time', precision: 0 }, flink: 'STRING' },
  {
    a: { kind: 'binary', length: 4, fixed: true },
    b: { kind: 'binary', length: 16 },
    flink: 'STRING (base64)',
  },
  { a: { kind: 'binary', length: 16 }, b: { kind: 'binary', blob: 'blob' }, flink: 'STRING (base64)' },
  { a: { kind: 'bit', length: 1 }, b: { kind: 'boolean' }, flink: 'BOOLEAN' },
  {
    a: { kind: 'bit', length: 4 },
    b: { kind: 'bit', length: 12 },
    flink: 'BINARY(1) / BINARY(2): STRING (base64)',
  },
  { a: { kind: 'binary', blob: 'blob' }, b: varchar(10), flink: 'STRING (base64)' },
];

/** The README section on sharded merges' types, generated from WIDENING_EXAMPLES and widerColumnType. */
export function typeWideningMarkdown(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = WIDENING_EXAMPLES.map(({ a, b, flink }) => {
    const w = widerColumnType(a, b);
    const result = 'type' in w ? formatColumnType(w.type) : `error: ${w.reason}`;
    return `| ${cell(formatColumnType(a))} | ${cell(formatColumnType(b))} | ${cell(result)} | ${cell(flink)} |`;
  });
  return [
    '### Sharded merges: type widening',
    '',
    'When several source tables are routed to one sink table, a column they share takes the wider of',
    'their types, and every value is converted exactly into it (an integer into DECIMAL becomes its',
    'exact decimal text, into BIGINT a bigint; a number into a text column its exact text, as',
    'JavaScript writes it: `5`, `1e-7`; a date or time its text, with the fraction digits of its type',
    'and a TIMESTAMP in UTC; a DATE into DATETIME its midnight). The rows a sink table holds when a',
    'later table widens a column are converted the same way. tidemark follows Flink CDC',
    '(SchemaMergingUtils) where that is exact, keeps',
    'the narrower exact type where Flink CDC falls back to STRING, and refuses (`SCHEMA_MERGE`, naming',
    'tables and column) where no type holds both exactly. Computed by `widerColumnType`:',
    '',
    '| type in one table | type in another | sink column | Flink CDC |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
