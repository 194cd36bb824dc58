import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTableSelector } from './table-selector.js';
import { TidemarkError } from '../event/tidemark-error.js';

test('db.\\.* matches every table of the database, and only it', () => {
  const f = compileTableSelector('app_db.\\.*');
  assert.deepEqual(f.patterns, ['app_db.\\.*']);
  assert.deepEqual(f.notes, []);
  assert.ok(f.matches('app_db', 'orders'));
  assert.ok(f.matches('app_db', 'x'));
  assert.ok(f.matches('APP_DB', 'Orders'), 'case-insensitive like Flink');
  assert.ok(!f.matches('app_db2', 'orders'), 'anchored');
  assert.ok(!f.matches('xapp_db', 'orders'));
  assert.ok(!f.matches('other', 'orders'));
});

test('db.prefix\\.* matches tables starting with the prefix', () => {
  const f = compileTableSelector('app_db.order\\.*');
  assert.ok(f.matches('app_db', 'order'));
  assert.ok(f.matches('app_db', 'orders'));
  assert.ok(f.matches('app_db', 'order_items'));
  assert.ok(!f.matches('app_db', 'my_orders'));
  assert.ok(!f.matches('app_db', 'products'));
});

test('the Flink CDC documentation example', () => {
  const f = compileTableSelector('db0.\\.*, db1.user_table_[0-9]+, db[1-2].[app|web]order_\\.*');
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
  const f = compileTableSelector('db1.user_table_[0-9]+,db[1-2].[app|web]order_\\.*');
  assert.equal(f.patterns.length, 2);
  assert.ok(f.matches('db1', 'user_table_7'));
  assert.ok(f.matches('db2', 'border_'));
});

test('app_db\\.* (no unescaped dot) matches the whole db.table name: every table of app_db, as the seeds mean', () => {
  const f = compileTableSelector('app_db\\.*');
  assert.ok(f.matches('app_db', 'orders'));
  assert.ok(f.matches('app_db', 'products'));
  assert.ok(!f.matches('other_db', 'orders'));
  assert.ok(!f.matches('app', 'orders'));
  assert.equal(f.notes.length, 1);
  // without a database the regex app_db.* is tested against the table name
  assert.ok(f.matches('', 'app_db_orders'));
});

test('plain names, exclusion, escapes, regex escapes', () => {
  const f = compileTableSelector('app_db.\\.*, inventory.products', 'app_db.tmp_\\.*,app_db.audit');
  assert.ok(f.matches('app_db', 'orders'));
  assert.ok(!f.matches('app_db', 'tmp_1'));
  assert.ok(!f.matches('app_db', 'audit'));
  assert.ok(f.matches('app_db', 'audit2'));
  assert.ok(f.matches('inventory', 'products'));
  assert.ok(!f.matches('inventory', 'products2'));
  const g = compileTableSelector('shop.t\\d+');
  assert.ok(g.matches('shop', 't12'));
  assert.ok(!g.matches('shop', 'tx'));
  // "." inside a table name cannot be written as a literal: \. means "any char" in Flink
  const h = compileTableSelector('d.a\\.b');
  assert.ok(h.matches('d', 'a.b'));
  assert.ok(h.matches('d', 'axb'));
  // three pieces: namespace ignored for MySQL ids
  assert.ok(compileTableSelector('ns.d.t').matches('d', 't'));
  // duplicates collapse, empty pieces are skipped
  assert.deepEqual(compileTableSelector('a.b, a.b,,c.d').patterns, ['a.b', 'c.d']);
  // \, keeps the comma in the part, and the piece is then split again: alternatives
  const k = compileTableSelector('d.t1\\,t2');
  assert.deepEqual(k.patterns, ['d.t1,t2']);
  assert.ok(k.matches('d', 't1') && k.matches('d', 't2'));
});

test('errors', () => {
  const isConfig = (e: unknown): boolean => e instanceof TidemarkError && e.code === 'CONFIG_INVALID';
  assert.throws(() => compileTableSelector(''), isConfig);
  assert.throws(() => compileTableSelector('a.b.c.d'), isConfig);
  assert.throws(() => compileTableSelector('a.(b'), isConfig);
  assert.throws(() => compileTableSelector('a.b\\'), isConfig);
});
