import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableId, tableIdToString, type TableId } from '../event/table-schema.js';
import type { RouteRule } from '../pipeline-spec/pipeline-spec.js';
import { TidemarkError } from '../event/tidemark-error.js';
import { RouteRules, routeRuleProblem } from './route-rules.js';

const rule = (source: string, sink: string, more: Partial<RouteRule> = {}): RouteRule => ({
  'source-table': source,
  'sink-table': sink,
  'shard-columns': false,
  ...more,
});
const sinks = (r: RouteRules, t: TableId): string[] => r.route(t).map((x) => tableIdToString(x.sink));

test('every matching rule routes the table (broadcast); unmatched tables keep their id', () => {
  const r = new RouteRules([rule('db.(A|B)', 'terminal.one'), rule('db.(B|C)', 'terminal.two')]);
  assert.deepEqual(sinks(r, tableId('db', 'A')), ['terminal.one']);
  assert.deepEqual(sinks(r, tableId('db', 'B')), ['terminal.one', 'terminal.two']);
  assert.deepEqual(sinks(r, tableId('db', 'C')), ['terminal.two']);
  assert.deepEqual(sinks(r, tableId('db', 'D')), ['db.D']);
  assert.equal(r.route(tableId('db', 'B')), r.route(tableId('db', 'B')), 'cached per source table');
});

test('route-mode FIRST_MATCH: only the first matching rule', () => {
  const r = new RouteRules(
    [rule('db.(A|B)', 'terminal.one'), rule('db.(B|C)', 'terminal.two')],
    'FIRST_MATCH',
  );
  assert.deepEqual(sinks(r, tableId('db', 'B')), ['terminal.one']);
  assert.deepEqual(sinks(r, tableId('db', 'C')), ['terminal.two']);
});

test('two rules to one sink table give one target', () => {
  const r = new RouteRules([
    rule('db.\\.*', 'ods.all'),
    rule('db.order\\.*', 'ods.all', { 'shard-columns': true }),
  ]);
  assert.deepEqual(r.route(tableId('db', 'order1')), [{ sink: tableId('ods', 'all'), shardColumns: true }]);
  assert.deepEqual(r.route(tableId('db', 'user')), [{ sink: tableId('ods', 'all'), shardColumns: false }]);
});

test('replace-symbol, capture groups, selector syntax', () => {
  const r = new RouteRules([
    rule('source_db.\\.*', 'sink_db.<>', { 'replace-symbol': '<>' }),
    rule('db_(\\.*).(\\.*)_tbl', 'sink_db_$1.sink_table_$2'),
    rule('app.order_[0-9]+, app.extra', 'ods.orders', { 'shard-columns': true }),
  ]);
  assert.deepEqual(sinks(r, tableId('source_db', 'users')), ['sink_db.users']);
  assert.deepEqual(sinks(r, tableId('db_foo', 'bar_tbl')), ['sink_db_foo.sink_table_bar']);
  assert.deepEqual(r.route(tableId('app', 'order_12')), [
    { sink: tableId('ods', 'orders'), shardColumns: true },
  ]);
  assert.deepEqual(sinks(r, tableId('app', 'extra')), ['ods.orders']);
  assert.deepEqual(sinks(r, tableId('app', 'order_x')), ['app.order_x']);
});

test('a sink table that is no table id is a configuration error naming the rule', () => {
  for (const [sink, more] of [
    ['a.b.c.d', {}],
    ['ods_db.', {}],
    ['.orders', {}],
    ['ods..<>', { 'replace-symbol': '<>' }],
    ['ods.$1.x.y', {}],
  ] as const) {
    assert.throws(
      () => new RouteRules([rule('db.(\\.*)', sink, more)]),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'CONFIG_INVALID' &&
        e.message.startsWith(`route rule 1 (source-table: db.(\\.*) → sink-table: ${sink}): sink table "`),
      sink,
    );
  }
  assert.equal(routeRuleProblem(rule('db.t', 'ns.ods.t'), 0), undefined, 'namespace.db.table is one');
  assert.equal(routeRuleProblem(rule('db.t', 'ods.'), 0)?.key, 'sink-table', 'located at sink-table');
});

test('rules that match none of the captured tables are named in a warning', () => {
  const r = new RouteRules([
    rule('app.orders', 'ods.orders'),
    rule('app.order\\.*', 'ods.merged', { description: 'shards' }),
    rule('app.ordres', 'ods.typo'),
  ]);
  assert.deepEqual(r.unmatchedRules([tableId('app', 'orders'), tableId('app', 'users')]), [
    'route rule 3 (source-table: app.ordres → sink-table: ods.typo) matches none of the captured tables',
  ]);
  assert.deepEqual(r.unmatchedRules([]).length, 3);
  assert.match(r.unmatchedRules([])[1]!, /route rule 2 .* "shards" matches none/);
});
