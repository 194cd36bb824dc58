import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnType, Value } from '../../event/column-type.js';
import { JsonBytes } from './json-bytes.js';
import { jsonValueReader, jsonValueWriter, ValueTypeError } from './json-values.js';
import { JsonNumberText, parseJsonExact, stringifyJsonExact } from './parse-json-exact.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
/** SRID 4326 + little-endian WKB of POINT(1 2). */
const point = (): Uint8Array => {
  const b = Buffer.alloc(4 + 21);
  b.writeUInt32LE(4326, 0);
  b[4] = 1;
  b.writeUInt32LE(1, 5);
  b.writeDoubleLE(1, 9);
  b.writeDoubleLE(2.5, 17);
  return new Uint8Array(b);
};

const CASES: readonly [ColumnType, readonly Value[]][] = [
  [{ kind: 'boolean' }, [true, false]],
  [{ kind: 'integer', bytes: 1, unsigned: false }, [-128, 127]],
  [{ kind: 'integer', bytes: 4, unsigned: true }, [0, 4294967295]],
  [{ kind: 'integer', bytes: 8, unsigned: false }, [-(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n]],
  [{ kind: 'integer', bytes: 8, unsigned: true }, [18446744073709551615n]],
  [{ kind: 'decimal', precision: 10, scale: 2 }, ['4.00', '-12345678.90', '0.00']],
  [
    { kind: 'decimal', precision: 65, scale: 30 },
    ['12345678901234567890123456789012345.123456789012345678901234567890'],
  ],
  [{ kind: 'float' }, [1.100000023841858, -3.4028234663852886e38, -0, 0]],
  [{ kind: 'double' }, [0.30000000000000004, 1e308, -2.5e-308, -0, 0]],
  [{ kind: 'string', length: 10 }, ['', 'héllo "q"\n']],
  [{ kind: 'string', format: 'uuid' }, ['123e4567-e89b-12d3-a456-426614174000']],
  [{ kind: 'binary', length: 4, fixed: true }, [bytes(0, 255, 0, 0), bytes()]],
  [{ kind: 'date' }, ['2024-01-31', '0000-00-00']],
  [{ kind: 'time', precision: 6 }, ['-838:59:59.000000', '12:00:01.123456']],
  [{ kind: 'timestamp', precision: 3 }, ['2024-01-31 23:59:59.123']],
  [{ kind: 'timestamp', precision: 0 }, ['1970-01-01 00:00:00']],
  [{ kind: 'timestamp_ltz', precision: 6 }, ['2024-01-31 23:59:59.123456']],
  [{ kind: 'year' }, [2024, 0]],
  [{ kind: 'bit', length: 1 }, [true]],
  [{ kind: 'bit', length: 12 }, [bytes(0x0f, 0xff)]],
  [{ kind: 'enum', values: ['a', 'b'] }, ['b', '']],
  [{ kind: 'set', values: ['a', 'b'] }, ['a,b', '']],
  [{ kind: 'json' }, ['{"a": [1, 12345678901234567890]}']],
  [{ kind: 'geometry' }, [point()]],
];

test('every column type: what the writer writes reads back to the same value', () => {
  for (const [type, values] of CASES) {
    const write = jsonValueWriter(type);
    const read = jsonValueReader(type);
    for (const v of [...values, null]) {
      const text = `{"v":${write(v)}}`;
      const parsed = parseJsonExact(text) as Record<string, never>;
      assert.deepEqual(read(parsed.v), v, `${JSON.stringify(type)} ${text}`);
    }
  }
});

test('what Flink CDC and Debezium write: decimals as numbers, FLOAT as its shortest text, T in DATETIME, days', () => {
  const dec = jsonValueReader({ kind: 'decimal', precision: 20, scale: 4 });
  assert.equal(dec(4.5), '4.5000');
  assert.equal(
    dec((parseJsonExact('{"v":1234567890123456.7891}') as { v: JsonNumberText }).v),
    '1234567890123456.7891',
  );
  assert.equal(dec(1e-4), '0.0001');
  assert.equal(dec('-0'), '0.0000');
  assert.equal(jsonValueReader({ kind: 'float' })(1.1), 1.100000023841858);
  assert.equal(
    jsonValueReader({ kind: 'timestamp', precision: 6 })('2024-01-31T23:59:59.5'),
    '2024-01-31 23:59:59.500000',
  );
  assert.equal(
    jsonValueReader({ kind: 'timestamp_ltz', precision: 0 })('2024-01-31T23:59:59Z'),
    '2024-01-31 23:59:59',
  );
  assert.equal(jsonValueReader({ kind: 'date' })(19753), '2024-01-31');
  assert.equal(
    jsonValueReader({ kind: 'json' })(parseJsonExact('{"a":12345678901234567890}')),
    '{"a":12345678901234567890}',
  );
  assert.equal(jsonValueReader({ kind: 'integer', bytes: 8, unsigned: false })(undefined), null);
  assert.ok(Object.is(jsonValueReader({ kind: 'integer', bytes: 4, unsigned: false })(-0), 0), '-0 is 0');
  assert.equal(jsonValueReader({ kind: 'integer', bytes: 8, unsigned: false })(-0), 0n);
  assert.equal(jsonValueReader({ kind: 'integer', bytes: 8, unsigned: true })(2 ** 53 - 1), 2n ** 53n - 1n);
});

test('a value that cannot be of the column type is a ValueTypeError', () => {
  const bad: readonly [ColumnType, unknown][] = [
    [{ kind: 'integer', bytes: 1, unsigned: false }, 128],
    [{ kind: 'integer', bytes: 4, unsigned: false }, 1.5],
    [{ kind: 'integer', bytes: 8, unsigned: true }, -1],
    [{ kind: 'integer', bytes: 4, unsigned: true }, -1],
    [{ kind: 'integer', bytes: 4, unsigned: false }, 2 ** 31],
    [{ kind: 'integer', bytes: 8, unsigned: false }, 2 ** 63],
    [{ kind: 'integer', bytes: 8, unsigned: false }, 1e300],
    [{ kind: 'decimal', precision: 4, scale: 2 }, 123.4],
    [{ kind: 'decimal', precision: 6, scale: 2 }, '1.234'],
    [{ kind: 'boolean' }, 'true'],
    [{ kind: 'string' }, 5],
    [{ kind: 'binary' }, 'not base64!'],
    [{ kind: 'bit', length: 12 }, 'AA=='],
    [{ kind: 'date' }, '2024/01/31'],
    [{ kind: 'timestamp', precision: 0 }, '2024-01-31 23:59:59.5'],
    [{ kind: 'timestamp_ltz', precision: 0 }, '2024-01-31 23:59:59'],
    [{ kind: 'enum', values: ['a'] }, 'z'],
    [{ kind: 'geometry' }, { type: 'Blob' }],
  ];
  for (const [type, v] of bad)
    assert.throws(
      () => jsonValueReader(type)(v as never),
      ValueTypeError,
      `${JSON.stringify(type)} ${String(v)}`,
    );
});

test('parseJsonExact: long numbers keep their text, everything else as JSON.parse', () => {
  const text =
    '{"a":9007199254740993,"b":[1.25,-0.1234567890123456789],"c":"x\\u00e9 1234567890123456","d":null,"e":true}';
  const v = parseJsonExact(text) as Record<string, unknown>;
  assert.deepEqual(v.a, new JsonNumberText('9007199254740993'));
  assert.deepEqual(v.b, [1.25, new JsonNumberText('-0.1234567890123456789')]);
  assert.equal(v.c, 'xé 1234567890123456');
  assert.equal(stringifyJsonExact(v as never), text.replace('\\u00e9', 'é'));
  for (const bad of [
    '{"a":1,}',
    '[1 2]',
    '{"a":01234567890123456}',
    '"\u0001"',
    '{"a":1234567890123456',
    'nul',
  ])
    assert.throws(() => parseJsonExact(bad), SyntaxError, bad);
});

test('a string value is the UTF-8 of JSON.stringify, escapes and surrogates included', () => {
  const samples = [
    '',
    'plain',
    '2024-01-31 23:59:59.123456',
    '-0.05',
    'Zürich ✓ 日本',
    'emoji 😀 pair',
    'quote " and \\ backslash',
    'tab\tnewline\ncr\r',
    '\u0000\u001f\u007f',
    'lone \ud800 high',
    'lone \udfff low',
    '\u2028\u2029',
  ];
  for (let c = 0; c < 0x10000; c += 97) samples.push(`x${String.fromCharCode(c)}y`);
  const out = new JsonBytes();
  for (const s of samples) {
    out.reset();
    out.string(s);
    assert.deepEqual(out.view(0, out.length), Buffer.from(JSON.stringify(s)), JSON.stringify(s));
  }
});
