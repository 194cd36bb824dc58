// Queries of an open DuckDB sink (the job server's query-while-running): committed rows only, one
// SELECT only, bounded rows, interrupted when too slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tableId } from '../../event/table-schema.js';
import { INT, checkpoint, col, createTable, ins, openSink, tempDb } from './duckdb-test-support.js';

const t1 = tableId('app_db', 'orders');
const limits = { maxRows: 100, timeoutMs: 5000 };

test('an open sink answers a SELECT with committed rows; refuses writes, several statements and other files', async () => {
  const t = tempDb();
  const { sink } = await openSink(t.file);
  writeFileSync(`${t.file}.csv`, 'secret\n42\n');
  try {
    await createTable(sink, t1, { columns: [col('id', INT, false)], primaryKeys: ['id'] });
    await sink.write([ins(t1, [1]), ins(t1, [2])]);
    await sink.flush(checkpoint(1));
    await sink.write([ins(t1, [3])]); // not committed yet
    const r = await sink.query('SELECT count(*) AS n FROM app_db.orders', 'csv', limits);
    assert.deepEqual(r, { output: 'n\r\n2\r\n', rows: 1, truncated: false });
    const many = await sink.query('SELECT * FROM range(1000)', 'json', { ...limits, maxRows: 3 });
    assert.equal(many.rows, 3);
    assert.equal(many.truncated, true);
    assert.equal((JSON.parse(many.output) as unknown[]).length, 3);
    await assert.rejects(sink.query('DELETE FROM app_db.orders', 'csv', limits), /QUERY_REFUSED|read-only/);
    await assert.rejects(sink.query('SELECT 1; DROP TABLE app_db.orders', 'csv', limits), /one SELECT/);
    await assert.rejects(sink.query(' ; ', 'csv', limits), /holds no statement/);
    await assert.rejects(
      sink.query('SELECT count(*) FROM range(10000000000) a', 'csv', { ...limits, timeoutMs: 50 }),
      /interrupted/,
    );
    for (const sql of [
      `SELECT * FROM read_csv('${t.file}.csv')`,
      `SELECT * FROM '${t.file}.csv'`,
      "SELECT * FROM read_text('/etc/hostname')",
      "SELECT * FROM glob('/*')",
    ])
      await assert.rejects(sink.query(sql, 'csv', limits), /QUERY_REFUSED|disabled by configuration/, sql);
    await sink.flush(checkpoint(2));
    const after = await sink.query('SELECT count(*) AS n FROM app_db.orders', 'csv', limits);
    assert.equal(after.output, 'n\r\n3\r\n', 'the sink still works after the refused queries');
  } finally {
    await sink.close();
    t.cleanup();
  }
});
