import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotQueryError } from './snapshot-query-error.js';

test('a table renamed, dropped or altered under its snapshot is a clear schema error', () => {
  for (const errno of [1146, 1412, 1054]) {
    const e = snapshotQueryError({ errno, message: "Table 'db.t' doesn't exist" }, 'db.t', 'reading a chunk');
    assert.equal(e.code, 'SOURCE_SCHEMA');
    assert.equal(e.retryable, false);
    assert.match(
      e.message,
      /^snapshot of db\.t: reading a chunk failed: the table was renamed, dropped or altered/,
    );
    assert.match(e.message, /start the pipeline afresh/);
  }
});

test('other failures of a snapshot query are retryable query errors', () => {
  const e = snapshotQueryError(Object.assign(new Error('Lost connection'), { errno: 2013 }), 'db.t', 'x');
  assert.equal(e.code, 'SOURCE_QUERY');
  assert.equal(e.retryable, true);
  assert.equal(e.message, 'snapshot of db.t: x failed: Lost connection');
});
