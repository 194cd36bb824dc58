// `source: type: mysql-binlog-files` end to end through the real CLI: rows written on MariaDB, its
// binlog files copied away, replayed into DuckDB, compared with MariaDB's own rows. Also: resume
// from a checkpoint when more files arrive, schemas from a DDL file, and a missing file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, mariaRows, runTidemark, tempDir } from './support/tidemark-cli.js';

let db: MariaDbInstance;

before(async () => {
  db = await startMariaDb();
});
after(async () => {
  await db?.stop();
});

/** The server's binlog files (complete ones: call after FLUSH BINARY LOGS), in order. */
function binlogFiles(): string[] {
  return readdirSync(db.binlogDir)
    .filter((f) => /\.\d+$/.test(f))
    .sort();
}

function copyFiles(names: readonly string[], to: string): void {
  mkdirSync(to, { recursive: true });
  for (const n of names) copyFileSync(join(db.binlogDir, n), join(to, n));
}

function writeFilesPipeline(dir: string, source: Record<string, string>, duck: string): string {
  const lines = [
    'source:',
    '  type: mysql-binlog-files',
    ...Object.entries(source).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
    '',
    'sink:',
    '  type: duckdb',
    `  path: ${duck}`,
    '',
    'pipeline:',
    '  name: binlog files',
    '  parallelism: 1',
    '',
  ];
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(file, lines.join('\n'));
  return file;
}

async function writeSome(from: number, count: number): Promise<void> {
  const values = Array.from(
    { length: count },
    (_, i) =>
      `(${from + i}, ${(from + i) * 1.25}, 'row ${from + i} ✓', '2024-01-02 03:04:05.${String(i % 1000).padStart(3, '0')}')`,
  ).join(',');
  await db.query(`INSERT INTO bf.orders (id, amount, note, created) VALUES ${values};
    INSERT INTO bf.events VALUES ${Array.from({ length: count }, (_, i) => `(${from + i}, 'e${from + i}')`).join(',')};
    INSERT INTO bf.skipped VALUES (${from});`);
}

test('replays copied binlog files into DuckDB; resumes when more files arrive', async () => {
  await db.query(`CREATE DATABASE bf;
    CREATE TABLE bf.orders (id INT PRIMARY KEY, amount DECIMAL(12,2), note VARCHAR(50), created DATETIME(3));
    CREATE TABLE bf.events (id INT, msg VARCHAR(20));
    CREATE TABLE bf.skipped (id INT PRIMARY KEY);
    FLUSH BINARY LOGS;`);
  // The copied files start after the CREATE TABLEs: the schemas come from the TABLE_MAP events.
  const first = binlogFiles().slice(-1)[0]!;
  await writeSome(1, 100);
  await db.query(`UPDATE bf.orders SET amount = amount * 2 WHERE id <= 10;
    DELETE FROM bf.orders WHERE id BETWEEN 11 AND 20;
    START TRANSACTION; UPDATE bf.orders SET note = NULL WHERE id = 30; INSERT INTO bf.orders (id, amount) VALUES (1000, 1); COMMIT;
    FLUSH BINARY LOGS;`);
  await writeSome(101, 50);
  await db.query('FLUSH BINARY LOGS');
  const part1 = binlogFiles().filter((f) => f >= first);
  // a schema change and more rows in later files
  await db.query(`ALTER TABLE bf.orders ADD COLUMN qty INT NOT NULL DEFAULT 7;
    UPDATE bf.orders SET qty = id WHERE id <= 5;
    FLUSH BINARY LOGS;`);
  await writeSome(201, 30);
  await db.query('DELETE FROM bf.orders WHERE id = 1000; FLUSH BINARY LOGS;');
  const all = binlogFiles().filter((f) => f >= first);
  assert.ok(all.length >= 5, `files: ${all.join(' ')}`);

  const dir = tempDir();
  const files = join(dir, 'files');
  copyFiles(part1.slice(0, -1), files);
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writeFilesPipeline(
    dir,
    { path: files, tables: 'bf.\\.*', 'tables.exclude': 'bf.skipped' },
    duck,
  );
  const state = join(dir, 'state');
  const r1 = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r1.code, 0, `${r1.stdout}\n${r1.stderr}`);
  const after1 = await duckRows(duck, 'SELECT count(*) FROM bf.orders');
  assert.deepEqual(after1, [['141']], 'rows of the first files: 150 + 1 - 10 deleted');

  // more files arrive (the first ones stay): resume from the checkpoint, skip what was read
  copyFiles(all, files);
  const r2 = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r2.code, 0, `${r2.stdout}\n${r2.stderr}`);
  assert.match(r2.stderr, /resuming from checkpoint/);
  assert.deepEqual(
    await duckRows(
      duck,
      "SELECT id, amount, note, strftime(created, '%Y-%m-%d %H:%M:%S.%g'), qty FROM bf.orders",
    ),
    await mariaRows(
      db,
      "SELECT id, amount, note, DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f') AS created, qty FROM bf.orders",
    ).then((rows) => rows.map((r) => r.map((v, i) => (i === 3 && v !== null ? v.slice(0, 23) : v)))),
  );
  // run again with no new file: nothing to do, nothing changes
  const r2b = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r2b.code, 0, `${r2b.stdout}\n${r2b.stderr}`);
  assert.match(r2b.stdout, /0 change\(s\) written/);
  // append table (no primary key): every insert exactly once, nothing duplicated by the resume
  assert.deepEqual(await duckRows(duck, 'SELECT count(*), count(DISTINCT id) FROM bf.events'), [
    ['180', '180'],
  ]);
  // the excluded table was not created
  const tables = await duckRows(
    duck,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'bf'",
  );
  assert.deepEqual(tables, [['events'], ['orders']]);

  // The same files with the schemas from a DDL file as they were before the first file.
  const dir2 = tempDir();
  const ddl = join(dir2, 'schema.sql');
  writeFileSync(
    ddl,
    `-- mysqldump-like
/*!40101 SET NAMES utf8mb4 */;
CREATE DATABASE IF NOT EXISTS bf;
USE \`bf\`;
DROP TABLE IF EXISTS \`orders\`;
CREATE TABLE \`orders\` (\`id\` int(11) NOT NULL, \`amount\` decimal(12,2) DEFAULT NULL,
  \`note\` varchar(50) DEFAULT NULL, \`created\` datetime(3) DEFAULT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB;
CREATE TABLE \`events\` (\`id\` int(11) DEFAULT NULL, \`msg\` varchar(20) DEFAULT NULL);
`,
  );
  const duck2 = join(dir2, 'sink.duckdb');
  const pipeline2 = writeFilesPipeline(
    dir2,
    { path: `${files}/mysql-bin.*`, tables: 'bf.orders,bf.events', 'schema.ddl-file': ddl },
    duck2,
  );
  const r3 = await runTidemark([
    'run',
    pipeline2,
    '--state-dir',
    join(dir2, 'state'),
    '--exit-when-caught-up',
  ]);
  assert.equal(r3.code, 0, `${r3.stdout}\n${r3.stderr}`);
  assert.match(r3.stderr, /capturing 2 table\(s\)/);
  assert.deepEqual(
    await duckRows(duck2, 'SELECT * FROM bf.orders'),
    await duckRows(duck, 'SELECT * FROM bf.orders'),
  );
});

test('schemas from a live connection; a schema that does not fit the files is a clear error', async () => {
  await db.query(`CREATE DATABASE live;
    CREATE TABLE live.t (id INT PRIMARY KEY, v VARCHAR(10));
    FLUSH BINARY LOGS;`);
  const first = binlogFiles().slice(-1)[0]!;
  await db.query(`INSERT INTO live.t VALUES (1, 'a'), (2, 'b'); UPDATE live.t SET v = 'c' WHERE id = 2;
    FLUSH BINARY LOGS;`);
  const dir = tempDir();
  const files = join(dir, 'files');
  copyFiles(
    binlogFiles().filter((f) => f >= first),
    files,
  );
  const conn = { hostname: db.host, port: String(db.port), username: db.rootUser, password: db.rootPassword };
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writeFilesPipeline(dir, { path: files, tables: 'live.t', ...conn }, duck);
  const r = await runTidemark(['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /capturing 1 table\(s\)".*"tables":"live\.t"/);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM live.t'), await mariaRows(db, 'SELECT * FROM live.t'));

  // the live table has changed since the files were written
  await db.query('ALTER TABLE live.t ADD COLUMN w INT');
  const dir2 = tempDir();
  const pipeline2 = writeFilesPipeline(
    dir2,
    { path: files, tables: 'live.t', ...conn },
    join(dir2, 'sink.duckdb'),
  );
  const r2 = await runTidemark([
    'run',
    pipeline2,
    '--state-dir',
    join(dir2, 'state'),
    '--exit-when-caught-up',
  ]);
  assert.equal(r2.code, 1, r2.stderr);
  assert.match(
    r2.stderr,
    /table live\.t has 2 columns in mysql-bin\.\d+:\d+ but 3 in the schema given for it/,
  );
});

test('a path without binlog files, and a file that is not a binlog, are errors', async () => {
  const dir = tempDir();
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const pipeline = writeFilesPipeline(dir, { path: empty, tables: 'x.y' }, join(dir, 'sink.duckdb'));
  const r = await runTidemark(['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no binlog files at/);
  writeFileSync(join(empty, 'mysql-bin.000001'), 'not a binlog');
  const r2 = await runTidemark(['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up']);
  assert.equal(r2.code, 1, r2.stderr);
  assert.match(r2.stderr, /mysql-bin\.000001:0: not a binlog file/);
});
