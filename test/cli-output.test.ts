// What `run` prints: the result on stdout, one log stream on stderr in the format chosen, and on
// a terminal progress bars below the log lines that never erase them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { renderScreen, runInTerminal } from './support/terminal-screen.js';
import { runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
const root = new URL('..', import.meta.url).pathname;

before(async () => {
  db = await startMariaDb();
  const rows = (n: number): string =>
    Array.from({ length: n }, (_, i) => `(${i + 1}, 'row ${i + 1}')`).join(', ');
  await db.query(`CREATE DATABASE out_db;
    CREATE TABLE out_db.a (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO out_db.a VALUES ${rows(3000)};
    CREATE TABLE out_db.b (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO out_db.b VALUES ${rows(3000)};
    CREATE TABLE out_db.c (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO out_db.c VALUES ${rows(3000)};`);
});
after(async () => {
  await db?.stop();
});

function pipeline(name: string): { file: string; state: string } {
  const dir = tempDir();
  const file = writePipeline(dir, {
    port: db.port,
    tables: 'out_db.\\.*',
    duckdbPath: join(dir, 'sink.duckdb'),
    name,
    extraSource: { 'scan.incremental.snapshot.chunk.size': 100 },
  });
  return { file, state: join(dir, 'state') };
}

test('without a terminal: stdout holds the result only, stderr one JSON record a line', async () => {
  const p = pipeline('json_out');
  const r = await runTidemark(['run', p.file, '--state-dir', p.state, '--exit-when-caught-up'], {
    TIDEMARK_LOG_LEVEL: '',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^Stopped \(caught up with the source\); 9000 change\(s\) written; checkpoint #\d+\n$/,
  );
  const records = r.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: string; msg: string });
  assert.ok(records.some((x) => x.msg === 'capturing 3 table(s)'));
  assert.ok(
    records.some((x) => x.msg === 'snapshot of table done' && JSON.stringify(x).includes('"rows":3000')),
  );
  assert.ok(records.every((x) => x.level !== 'debug'));
});

test('--log-format text, --quiet, and TIDEMARK_LOG_LEVEL in capitals', async () => {
  const p = pipeline('text_out');
  const args = ['run', p.file, '--state-dir', p.state, '--exit-when-caught-up'];
  const text = await runTidemark([...args, '--log-format', 'text']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stderr,
    /^\S+ INFO {2}capturing 3 table\(s\) pipeline=text_out tables=out_db\.a, out_db\.b, out_db\.c$/m,
  );
  assert.doesNotMatch(text.stderr, /^\{/m);
  const quiet = await runTidemark([...args, '--quiet']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  const warn = await runTidemark(args, { TIDEMARK_LOG_LEVEL: 'WARN' });
  assert.equal(warn.stderr, '');
  const bad = await runTidemark(args, { TIDEMARK_LOG_LEVEL: 'loud' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /TIDEMARK_LOG_LEVEL=loud is not a log level: one of debug, info, warn, error/);
});

test('on a terminal: log lines stay above the bars, each once; finished tables are one line', async () => {
  const p = pipeline('tty_out');
  const r = await runInTerminal(
    [
      process.execPath,
      join(root, 'bin', 'tidemark.js'),
      'run',
      p.file,
      '--state-dir',
      p.state,
      '--exit-when-caught-up',
    ],
    { TIDEMARK_LOG_LEVEL: 'info' },
    root,
  );
  assert.equal(r.code, 0, r.output);
  // eslint-disable-next-line no-control-regex -- terminal escape sequences are what is tested
  assert.match(r.output, /\x1b\[\d+A/, 'bars were drawn and redrawn in place');
  const screen = renderScreen(r.output);
  const text = screen.join('\n');
  assert.match(text, /INFO {2}capturing 3 table\(s\)/);
  for (const t of ['a', 'b', 'c'])
    assert.equal(
      screen.filter(
        (l) => / snapshot of table done .* rows=3000$/.test(l) && l.includes(`table=out_db.${t} `),
      ).length,
      1,
      text,
    );
  assert.doesNotMatch(text, /\[#*\.*\]/, 'no bar is left on the screen');
  assert.match(
    screen[screen.length - 1]!,
    /^Stopped \(caught up with the source\); 9000 change\(s\) written/,
  );
  // every log line the run wrote is on the screen, once
  const logLines = screen.filter((l) => /^\d{4}-\d\d-\d\dT\S+ (INFO|WARN) /.test(l));
  assert.equal(new Set(logLines).size, logLines.length, text);
});
