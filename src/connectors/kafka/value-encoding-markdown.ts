import { formatColumnType, type ColumnType, type Value } from '../../event/column-type.js';
import { jsonValueWriter } from './json-values.js';

/** One example per column type, written by the writer the sinks use (so the table cannot drift). */
const EXAMPLES: readonly (readonly [ColumnType, Value, string])[] = [
  [{ kind: 'boolean' }, true, ''],
  [{ kind: 'integer', bytes: 4, unsigned: false }, -42, ''],
  [
    { kind: 'integer', bytes: 8, unsigned: true },
    18446744073709551615n,
    'every digit, beyond 2^53 too: read it as a big integer',
  ],
  [{ kind: 'decimal', precision: 10, scale: 2 }, '4.00', 'a string: exact, `scale` fraction digits'],
  [{ kind: 'float' }, 1.100000023841858, 'the float32 value as a double'],
  [{ kind: 'double' }, 0.1, 'the shortest text that reads back to the same double'],
  [{ kind: 'string', length: 20 }, 'é😀', 'ENUM and SET too (SET: members joined by `,`)'],
  [
    { kind: 'string', format: 'uuid' },
    '123e4567-e89b-12d3-a456-426614174000',
    "MariaDB's UUID, INET4, INET6: the server's text",
  ],
  [{ kind: 'binary', length: 8 }, new Uint8Array([0, 255, 1]), 'base64 (BLOBs, BIT(n>1) too)'],
  [{ kind: 'bit', length: 1 }, true, ''],
  [{ kind: 'date' }, '2024-01-31', '`0000-00-00` kept'],
  [{ kind: 'time', precision: 6 }, '-838:59:59.000000', 'sign and hours beyond 24 kept'],
  [{ kind: 'timestamp', precision: 6 }, '2024-01-31 23:59:59.123456', 'wall clock, `p` fraction digits'],
  [{ kind: 'timestamp_ltz', precision: 0 }, '2024-01-31 12:00:00', 'the instant in UTC'],
  [{ kind: 'year' }, 2024, ''],
  [{ kind: 'json' }, '{"a": 1}', 'a string holding the JSON text as the server shows it'],
  [
    { kind: 'geometry', geometryType: 'point' },
    new Uint8Array([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64]),
    'GeoJSON-like, with the SRID',
  ],
];

/** The value encoding of the Kafka sinks' JSON formats and keys, for the generated reference. */
export function kafkaValueEncodingMarkdown(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    '### Kafka JSON value encoding',
    '',
    'How the `kafka` and `upsert-kafka` sinks write a column value in every JSON format and key',
    '(SQL NULL is `null`); a reader that knows the column type reads it back exactly.',
    '',
    '| column type | JSON | note |',
    '|---|---|---|',
    ...EXAMPLES.map(
      ([t, v, note]) =>
        `| ${cell(formatColumnType(t))} | \`${cell(jsonValueWriter(t)(v))}\` | ${cell(note)} |`,
    ),
  ].join('\n');
}
