import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonValue } from '../../event/json-value.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import { restoredMysqlState } from './mysql-source-state.js';

const state = {
  phase: 'binlog',
  file: 'mysql-bin.000003',
  pos: 1234,
  gtid: '0-1-42',
  schemas: [
    {
      table: 'app.t',
      id: { schemaName: 'app', tableName: 't' },
      schema: {
        columns: [{ name: 'id', type: { kind: 'integer', bytes: 4, unsigned: false } }],
        primaryKeys: ['id'],
      },
    },
  ],
  snapshot: { tables: [{ table: 'app.t', key: ['id'], done: [[null, [5], 'mysql-bin.000003:900']] }] },
};

test("a MySQL source's checkpointed state reads back as written", () => {
  assert.deepEqual(restoredMysqlState(state), state);
  assert.equal(restoredMysqlState(undefined), undefined);
  assert.equal(restoredMysqlState(null), undefined);
});

test("another source's or a damaged state is a clear CHECKPOINT error", () => {
  const bad: JsonValue[] = [
    { topic: 'x', offsets: [1] },
    { ...state, pos: '1234' },
    { ...state, schemas: [{ table: 1 }] },
  ];
  for (const b of bad) {
    assert.throws(
      () => restoredMysqlState(b),
      (e: unknown) =>
        e instanceof TidemarkError && e.code === 'CHECKPOINT' && /not a MySQL source's/.test(e.message),
    );
  }
});
