import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TidemarkError } from '../../event/tidemark-error.js';
import { queryDuckDb, shortestFloat32 } from './duckdb-query.js';
import { duckDbType, parseTimeMicros, toDuckDbInput } from './type-mapping.js';
import { openSink, tempDb } from './duckdb-test-support.js';

const SQL =
  "SELECT 1::INTEGER AS id, 4.00::DECIMAL(10,2) AS price, '2024-01-02 03:04:05.000001'::TIMESTAMP AS ts, " +
  "'\\x00\\xFFa'::BLOB AS b, NULL::VARCHAR AS n, '' AS e, 'a,\"b\"' AS q, 9007199254740993::BIGINT AS big, " +
  '3.14::FLOAT AS f';

test('query: table, json and csv render values exactly', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    await sink.close();
    assert.equal(
      await queryDuckDb(t.file, SQL, 'table'),
      [
        '+----+-------+----------------------------+-----------+------+---+-------+------------------+------+',
        '| id | price | ts                         | b         | n    | e | q     | big              | f    |',
        '+----+-------+----------------------------+-----------+------+---+-------+------------------+------+',
        '|  1 |  4.00 | 2024-01-02 03:04:05.000001 | \\x00\\xFFa | NULL |   | a,"b" | 9007199254740993 | 3.14 |',
        '+----+-------+----------------------------+-----------+------+---+-------+------------------+------+',
        '(1 row)',
        '',
      ].join('\n'),
    );
    assert.deepEqual(JSON.parse(await queryDuckDb(t.file, SQL, 'json')), [
      {
        id: 1,
        price: '4.00',
        ts: '2024-01-02T03:04:05.000001',
        b: 'AP9h',
        n: null,
        e: '',
        q: 'a,"b"',
        big: '9007199254740993',
        f: 3.14,
      },
    ]);
    assert.equal(
      await queryDuckDb(t.file, SQL, 'csv'),
      'id,price,ts,b,n,e,q,big,f\r\n1,4.00,2024-01-02 03:04:05.000001,\\x00\\xFFa,,"","a,""b""",9007199254740993,3.14\r\n',
    );
    assert.equal(
      await queryDuckDb(t.file, 'SELECT 1 AS x WHERE false', 'table'),
      '+---+\n| x |\n+---+\n(0 rows)\n',
    );
    await assert.rejects(
      queryDuckDb(t.file, 'SELEC 1', 'json'),
      (e: unknown) => e instanceof TidemarkError && e.code === 'QUERY_FAILED',
    );
    // Read-only: writes are refused.
    await assert.rejects(queryDuckDb(t.file, 'CREATE TABLE x (a INT)', 'json'), /read-only/i);
  } finally {
    t.cleanup();
  }
});

test('query: a JSON value keeps every digit of its numbers in json and jsonl', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    await sink.close();
    const doc =
      '{"b": 9007199254740993, "big": 123456789012345678901234567890, "f": 1.0000000000000001, "x": [1e400, "a b\\" c"]}';
    const sql = `SELECT 1 AS id, '${doc}'::JSON AS j`;
    const compact =
      '{"b":9007199254740993,"big":123456789012345678901234567890,"f":1.0000000000000001,"x":[1e400,"a b\\" c"]}';
    assert.equal(await queryDuckDb(t.file, sql, 'jsonl'), `{"id":1,"j":${compact}}\n`);
    assert.equal(
      await queryDuckDb(t.file, sql, 'json'),
      `[\n  {\n    "id": 1,\n    "j": ${compact}\n  }\n]\n`,
    );
  } finally {
    t.cleanup();
  }
});

test('query: SQL without a statement is refused as such, not as a native callback error', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    await sink.close();
    for (const sql of ['', '   ', ' ; ', '-- nothing\n', '/* nothing */;']) {
      await assert.rejects(
        queryDuckDb(t.file, sql, 'table'),
        (e: unknown) =>
          e instanceof TidemarkError && e.code === 'CONFIG_INVALID' && /holds no statement/.test(e.message),
        JSON.stringify(sql),
      );
    }
    assert.match(await queryDuckDb(t.file, '-- a comment\nSELECT 1 AS x; /* end */', 'csv'), /^x\r\n1\r\n$/);
  } finally {
    t.cleanup();
  }
});

test('query: a missing file is an error, not a new empty database', async () => {
  const t = tempDb();
  try {
    await assert.rejects(queryDuckDb(t.file + '.missing', 'SELECT 1', 'json'), /no DuckDB file/);
  } finally {
    t.cleanup();
  }
});

test('type mapping helpers', () => {
  assert.equal(duckDbType({ kind: 'decimal', precision: 39, scale: 2 }), 'VARCHAR');
  assert.equal(duckDbType({ kind: 'integer', bytes: 3, unsigned: true }), 'UINTEGER');
  assert.equal(parseTimeMicros('-838:59:59.5'), -3020399500000n);
  assert.equal(parseTimeMicros('00:00:00'), 0n);
  assert.equal(toDuckDbInput({ kind: 'date' }, '2024-00-10'), null);
  assert.equal(
    toDuckDbInput({ kind: 'timestamp_ltz', precision: 0 }, '2024-01-01 00:00:00'),
    '2024-01-01 00:00:00+00',
  );
  assert.throws(() => toDuckDbInput({ kind: 'string' }, 5), /does not fit/);
  assert.equal(shortestFloat32(Math.fround(0.1)), '0.1');
});
