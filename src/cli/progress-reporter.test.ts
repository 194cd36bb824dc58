import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressReporter } from './progress-reporter.js';

function sink(): NodeJS.WriteStream & { text: string } {
  const s = { text: '', isTTY: false, write: (x: string) => ((s.text += x), true) };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test('without a TTY: a line when a table has new rows (at most every 5 s) and once when done', () => {
  const out = sink();
  const r = new ProgressReporter(out);
  const tables = (a: number, b: number, doneA = false) => ({
    phase: 'snapshot' as const,
    tables: [
      { table: 'db.a', rowsRead: a, rowsEstimated: 100, done: doneA },
      { table: 'db.b', rowsRead: b, rowsEstimated: 50, done: false },
    ],
  });
  r.update(tables(0, 0));
  assert.equal(out.text, '', 'tables not started print nothing');
  r.update(tables(10, 0));
  r.update(tables(20, 0));
  assert.equal(out.text, 'snapshot db.a: 10 row(s) of ~100\n');
  r.update(tables(100, 0, true));
  r.update(tables(100, 0, true));
  assert.equal(out.text, 'snapshot db.a: 10 row(s) of ~100\nsnapshot db.a: 100 row(s), done\n');
});
