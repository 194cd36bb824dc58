import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tableId } from '../../event/table-schema.js';
import { headerBuilder } from './kafka-headers.js';
import { topicNaming } from './topic-naming.js';

test('topics: the mapping first, then `topic`, else the sink table id', () => {
  const mapping = 'kafka_test.customers:customers; kafka_test.products:products';
  const byTable = topicNaming(undefined, mapping);
  assert.equal(byTable(tableId('kafka_test', 'customers')), 'customers');
  assert.equal(byTable(tableId('kafka_test', 'orders')), 'kafka_test.orders');
  assert.equal(byTable(tableId(undefined, 'topic_user')), 'topic_user');
  const one = topicNaming('inventory', mapping);
  assert.equal(one(tableId('kafka_test', 'products')), 'products');
  assert.equal(one(tableId('kafka_test', 'orders')), 'inventory');
  assert.throws(() => topicNaming(undefined, 'a.b'), /"a\.b" is not db\.table:topic/);
});

test('headers: custom pairs, then namespace/schemaName/tableName when enabled', () => {
  assert.deepEqual(headerBuilder('', false)(tableId('db', 't')), []);
  assert.deepEqual(headerBuilder('k1:v1, k2:a:b', true)(tableId('db', 't')), [
    { k1: 'v1' },
    { k2: 'a:b' },
    { namespace: '' },
    { schemaName: 'db' },
    { tableName: 't' },
  ]);
  assert.throws(() => headerBuilder('novalue', false), /"novalue" is not key:value/);
});
