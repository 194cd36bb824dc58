// `tidemark query` through the CLI: real JSON (nested values too), every statement's result,
// a readable table, and SQL errors that are not configuration errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runTidemark } from './support/tidemark-cli.js';

const query = (sql: string, ...more: string[]) => runTidemark(['query', ':memory:', sql, ...more]);

test('query --format json: one JSON document with a trailing newline, nested values as JSON', async () => {
  const r = await query(
    `SELECT {'x': 1, 'l': [1.50::DECIMAL(4,2)]} AS st, [1, 2] AS l, '{"a": [true]}'::JSON AS j,
       MAP {'k': 'v'} AS m, TIMESTAMP '2024-01-02 03:04:05.000001' AS ts,
       TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tz, '\\x00\\xFFa'::BLOB AS b,
       123456789012345678901234567890.5::DECIMAL(38,1) AS d, 9007199254740993::BIGINT AS big`,
    '--format',
    'json',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.endsWith(']\n'), JSON.stringify(r.stdout.slice(-5)));
  assert.deepEqual(JSON.parse(r.stdout), [
    {
      st: { x: 1, l: ['1.50'] },
      l: [1, 2],
      j: { a: [true] },
      m: { k: 'v' },
      ts: '2024-01-02T03:04:05.000001',
      tz: '2024-01-02T01:04:05Z',
      b: 'AP9h',
      d: '123456789012345678901234567890.5',
      big: '9007199254740993',
    },
  ]);
});

test('query: every statement prints its result; jsonl is one object per line', async () => {
  const table = await query('SELECT 1 AS a; SELECT 2 AS b');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /\| a \|[\s\S]*\(1 row\)\n\n[\s\S]*\| b \|[\s\S]*\(1 row\)\n$/);
  const jsonl = await query("SELECT 1 AS a UNION ALL SELECT 2; SELECT 'x' AS b", '--format', 'jsonl');
  assert.equal(jsonl.stdout, '{"a":1}\n{"a":2}\n{"b":"x"}\n');
});

test('query --format table: numbers right-aligned, CJK counted as two columns, a row count', async () => {
  const r = await query("SELECT '中文' AS name, 7 AS n UNION ALL SELECT 'abcde', 1234 ORDER BY n");
  assert.equal(
    r.stdout,
    [
      '+-------+------+',
      '| name  | n    |',
      '+-------+------+',
      '| 中文  |    7 |',
      '| abcde | 1234 |',
      '+-------+------+',
      '(2 rows)',
      '',
    ].join('\n'),
  );
});

test('query: an SQL error is QUERY_FAILED with exit 1 (exit 2 means invalid configuration)', async () => {
  const r = await query('SELEC 1');
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error \[QUERY_FAILED\]: query failed: Parser Error: syntax error at or near "SELEC"/,
  );
});

test('the README lists the JSON form of every DuckDB type as the code writes it', async () => {
  const { JSON_FORMS } = await import('../src/connectors/duckdb/duckdb-query.js');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const [type, form] of JSON_FORMS)
    assert.ok(readme.includes(`| ${type} | ${form.replace(/\|/g, '\\|')} |`), `README: ${type}`);
});
