import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableId, type TableSchema } from '../event/table-schema.js';
import { schemaTransformFromRules } from './transform-rules.js';

const schema: TableSchema = {
  columns: [
    { name: 'id', type: { kind: 'integer', bytes: 8, unsigned: false }, nullable: true },
    { name: 'name', type: { kind: 'string', length: 10 }, nullable: true },
  ],
  primaryKeys: [],
};

test('primary-keys gives matching tables a key; others are untouched', () => {
  const t = schemaTransformFromRules([
    { 'source-table': '\\.*.\\.*', projection: '\\*', 'primary-keys': 'id' },
  ])!;
  assert.deepEqual(t(tableId('kafka_test', 'customers'), schema).primaryKeys, ['id']);
  const only = schemaTransformFromRules([{ 'source-table': 'db.a', 'primary-keys': 'id' }])!;
  assert.deepEqual(only(tableId('db', 'b'), schema).primaryKeys, []);
});

test('unsupported transform parts and unknown key columns are clear errors', () => {
  assert.throws(
    () => schemaTransformFromRules([{ 'source-table': 'db.a', projection: 'id, UPPER(name)' }]),
    /projection is not supported yet/,
  );
  assert.throws(
    () => schemaTransformFromRules([{ 'source-table': 'db.a', filter: 'id > 1' }]),
    /filter is not supported yet/,
  );
  const t = schemaTransformFromRules([{ 'source-table': 'db.a', 'primary-keys': 'nope' }])!;
  assert.throws(() => t(tableId('db', 'a'), schema), /primary key column nope is not a column of db\.a/);
});
