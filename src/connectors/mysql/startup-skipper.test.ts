import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataChangeEvent } from '../../event/change-event.js';
import { tableId } from '../../event/table-schema.js';
import { StartupSkipper } from './startup-skipper.js';

function row(location: string, id: number): DataChangeEvent {
  return {
    kind: 'data',
    tableId: tableId('db', 't'),
    op: 'insert',
    before: null,
    after: [id],
    meta: { tsMs: 0, location },
  };
}

/** The ids of the rows that pass. */
function pass(skipper: StartupSkipper, rows: readonly DataChangeEvent[]): unknown[] {
  return rows.filter((r) => !skipper.skipped(r)).map((r) => r.after?.[0]);
}

// three row events: ids 1-3 at :100, 4-6 at :200, 7-8 at :300
const stream = [
  row('b.1:100', 1),
  row('b.1:100', 2),
  row('b.1:100', 3),
  row('b.1:200', 4),
  row('b.1:200', 5),
  row('b.1:200', 6),
  row('b.1:300', 7),
  row('b.1:300', 8),
];

test('skip-events skips whole row events, then skip-rows single rows of the next', () => {
  assert.deepEqual(pass(new StartupSkipper(1, 1), stream), [5, 6, 7, 8]);
  assert.deepEqual(pass(new StartupSkipper(2, 0), stream), [7, 8]);
  assert.deepEqual(pass(new StartupSkipper(0, 4), stream), [5, 6, 7, 8]);
});

test('nothing to skip: every row passes', () => {
  assert.deepEqual(pass(new StartupSkipper(0, 0), stream), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(pass(new StartupSkipper(5, 3), stream), []);
});
