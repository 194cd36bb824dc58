import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../runtime/logger.js';
import { ProgressReporter } from './progress-reporter.js';
import { TerminalRenderer } from './terminal-renderer.js';

function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { text: '', isTTY, columns: 100, write: (x: string) => ((s.text += x), true) };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const tables = (a: number, b: number, doneA = false, resumedB = false) => ({
  phase: 'snapshot' as const,
  tables: [
    { table: 'db.a', rowsRead: a, rowsEstimated: 100, done: doneA },
    { table: 'db.b', rowsRead: b, rowsEstimated: 50, done: false, ...(resumedB ? { resumed: true } : {}) },
  ],
});

test('without a terminal: log records when a table has new rows, at most every 5 s', () => {
  const lines: string[] = [];
  const logger = createLogger({ format: 'text', write: (l) => lines.push(l.replace(/^\S+ /, '')) });
  let now = 0;
  const r = new ProgressReporter(new TerminalRenderer(stream(false)), logger, () => now);
  r.update(tables(0, 0));
  assert.deepEqual(lines, [], 'tables not started print nothing');
  r.update(tables(10, 0));
  now = 1000;
  r.update(tables(20, 0));
  now = 6000;
  r.update(tables(30, 0));
  r.update(tables(100, 0, true));
  assert.deepEqual(lines, [
    'INFO  snapshot of db.a: 10 row(s) of ~100 table=db.a rows=10 estimated=100',
    'INFO  snapshot of db.a: 30 row(s) of ~100 table=db.a rows=30 estimated=100',
  ]);
});

test('a resumed table reports the rows of this run, not a total it will never reach', () => {
  const lines: string[] = [];
  const logger = createLogger({ format: 'text', write: (l) => lines.push(l) });
  const r = new ProgressReporter(new TerminalRenderer(stream(false)), logger, () => 0);
  r.update(tables(0, 35, false, true));
  assert.match(lines[0]!, /snapshot of db\.b: 35 row\(s\) read since resuming \(~50 in the table\)/);
});

test('on a terminal: a bar per table being read, a finished table leaves them', () => {
  const out = stream(true);
  let now = 0;
  const r = new ProgressReporter(
    new TerminalRenderer(out),
    createLogger({ write: () => undefined }),
    () => now,
  );
  r.update(tables(10, 5));
  assert.match(out.text, /^db\.a +\[#*\.+\] 10\/~100 .*\ndb\.b +\[.*\] 5\/~50 .*\n$/);
  now = 1000;
  out.text = '';
  r.update(tables(100, 6, true));
  // eslint-disable-next-line no-control-regex -- terminal escape sequences are what is tested
  assert.match(out.text, /^\x1b\[2A\r\x1b\[0Jdb\.b +\[.*\] 6\/~50 [^\n]*\n$/, JSON.stringify(out.text));
  r.done();
  assert.ok(out.text.endsWith('\x1b[1A\r\x1b[0J'));
});
