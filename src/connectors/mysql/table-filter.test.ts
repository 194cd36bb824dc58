import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTableFilter } from './table-filter.js';
import { TidemarkError } from '../../event/tidemark-error.js';

test('db.\\.* matches every table of the database, and only it', () => {
  const f = compileTableFilter('app_db.\\.*');
  assert.deepEqual(f.patterns, ['app_db.\\.*']);
  assert.deepEqual(f.warnings, []);
  assert.ok(f.matches('app_db', 'orders'));
  assert.ok(f.matches('app_db', 'x'));
  assert.ok(f.matches('APP_DB', 'Orders'), 'case-insensitive like Flink');
  assert.ok(!f.matches('app_db2', 'orders'), 'anchored');
  assert.ok(!f.matches('xapp_db', 'orders'));
  assert.ok(!f.matches('other', 'orders'));
});

test('db.prefix\\.* matches tables starting with the prefix', () => {
  const f = compileTableFilter('app_db.order\\.*');
  assert.ok(f.matches('app_db', 'order'));
  assert.ok(f.matches('app_db', 'orders'));
  assert.ok(f.matches('app_db', 'order_items'));
  assert.ok(!f.matches('app_db', 'my_orders'));
  assert.ok(!f.matches('app_db', 'products'));
});

test('the Flink CDC documentation example', () => {
  const f = compileTableFilter('db0.\\.*, db1.user_table_[0-9]+, db[1-2].[app|web]order_\\.*');
  assert.deepEqual(f.patterns, ['db0.\\.*', 'db1.user_table_[0-9]+', 'db[1-2].[app|web]order_\\.*']);
  assert.ok(f.matches('db0', 'anything'));
  assert.ok(f.matches('db1', 'user_table_1'));
  assert.ok(f.matches('db1', 'user_table_123'));
  assert.ok(!f.matches('db1', 'user_table_'));
  assert.ok(!f.matches('db1', 'user_table_1a'));
  assert.ok(!f.matches('db3', 'user_table_1'));
  // [app|web] is a character class: one of a, p, |, w, e, b
  assert.ok(f.matches('db1', 'aorder_x'));
  assert.ok(f.matches('db2', 'worder_2024'));
  assert.ok(!f.matches('db2', 'apporder_x'));
  assert.ok(!f.matches('db3', 'aorder_x'));
});

test('brief example db1.user_table_[0-9]+,db[1-2].[app|web]order_\\.* without spaces', () => {
  const f = compileTableFilter('db1.user_table_[0-9]+,db[1-2].[app|web]order_\\.*');
  assert.equal(f.patterns.length, 2);
  assert.ok(f.matches('db1', 'user_table_7'));
  assert.ok(f.matches('db2', 'border_'));
});

test('app_db\\.* (no unescaped dot) is a table-only selector: in Flink it matches no MySQL table', () => {
  const f = compileTableFilter('app_db\\.*');
  assert.ok(!f.matches('app_db', 'orders'));
  assert.ok(!f.matches('app_db', 'app_db_x'));
  assert.equal(f.warnings.length, 1);
  assert.match(f.warnings[0]!, /app_db\.\\\.\*/);
  // it would match a table name without database: the regex is app_db.*
  assert.ok(f.matches('', 'app_db_orders'));
});

test('plain names, exclusion, escapes, regex escapes', () => {
  const f = compileTableFilter('app_db.\\.*, inventory.products', 'app_db.tmp_\\.*,app_db.audit');
  assert.ok(f.matches('app_db', 'orders'));
  assert.ok(!f.matches('app_db', 'tmp_1'));
  assert.ok(!f.matches('app_db', 'audit'));
  assert.ok(f.matches('app_db', 'audit2'));
  assert.ok(f.matches('inventory', 'products'));
  assert.ok(!f.matches('inventory', 'products2'));
  const g = compileTableFilter('shop.t\\d+');
  assert.ok(g.matches('shop', 't12'));
  assert.ok(!g.matches('shop', 'tx'));
  // "." inside a table name cannot be written as a literal: \. means "any char" in Flink
  const h = compileTableFilter('d.a\\.b');
  assert.ok(h.matches('d', 'a.b'));
  assert.ok(h.matches('d', 'axb'));
  // three pieces: namespace ignored for MySQL ids
  assert.ok(compileTableFilter('ns.d.t').matches('d', 't'));
  // duplicates collapse, empty pieces are skipped
  assert.deepEqual(compileTableFilter('a.b, a.b,,c.d').patterns, ['a.b', 'c.d']);
  // \, keeps the comma in the part, and the piece is then split again: alternatives
  const k = compileTableFilter('d.t1\\,t2');
  assert.deepEqual(k.patterns, ['d.t1,t2']);
  assert.ok(k.matches('d', 't1') && k.matches('d', 't2'));
});

test('errors', () => {
  const isConfig = (e: unknown): boolean => e instanceof TidemarkError && e.code === 'CONFIG_INVALID';
  assert.throws(() => compileTableFilter(''), isConfig);
  assert.throws(() => compileTableFilter('a.b.c.d'), isConfig);
  assert.throws(() => compileTableFilter('a.(b'), isConfig);
  assert.throws(() => compileTableFilter('a.b\\'), isConfig);
});
