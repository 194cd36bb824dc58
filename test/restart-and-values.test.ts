// Acceptance: restart after SIGTERM and after kill -9 loses nothing and duplicates nothing; tables
// without a primary key append; values arrive exactly (compared with MariaDB's own rows).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import {
  compareRows,
  duckRows,
  runTidemark,
  startTidemark,
  tempDir,
  waitFor,
  writePipeline,
  mariaRows,
} from './support/tidemark-cli.js';

let db: MariaDbInstance;

before(async () => {
  db = await startMariaDb();
});
after(async () => {
  await db?.stop();
});

async function writeBatch(dbName: string, from: number, count: number): Promise<void> {
  const values = Array.from(
    { length: count },
    (_, i) => `(${from + i}, ${(from + i) * 1.25}, 'row ${from + i}')`,
  ).join(',');
  const nokey = Array.from({ length: count }, (_, i) => `(${from + i}, 'event ${from + i}')`).join(',');
  await db.query(
    `INSERT INTO ${dbName}.with_key VALUES ${values}; INSERT INTO ${dbName}.no_key VALUES ${nokey};`,
  );
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`restart after ${signal} mid-stream: nothing lost, no duplicates in append tables`, async () => {
    const name = `restart_${signal.toLowerCase()}`;
    await db.query(`CREATE DATABASE ${name};
      CREATE TABLE ${name}.with_key (id INT PRIMARY KEY, amount DECIMAL(12,2), note VARCHAR(50));
      CREATE TABLE ${name}.no_key (id INT, note VARCHAR(50));`);
    await writeBatch(name, 1, 200);
    const dir = tempDir();
    const duck = join(dir, 'sink.duckdb');
    const pipeline = writePipeline(dir, { port: db.port, tables: `${name}.\\.*`, duckdbPath: duck, name });
    const state = join(dir, 'state');

    const child = startTidemark(['run', pipeline, '--state-dir', state]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('caught up'), 60_000, 'the pipeline to catch up');
    // "caught up" is logged before its checkpoint commits: a kill before that commit would restart
    // from an earlier checkpoint and read the keyless table's snapshot again (at-least-once), which
    // this test's counts do not expect
    const saved = join(state, 'pipelines', name, 'checkpoint.json');
    await waitFor(
      () =>
        existsSync(saved) &&
        !(JSON.parse(readFileSync(saved, 'utf8')) as { source: { snapshot?: unknown } }).source.snapshot,
      30_000,
      'the snapshot to be committed',
    );
    // changes while it runs, in many small transactions, then stop it in the middle of them
    let done = 0;
    const writer = (async () => {
      for (let i = 0; i < 40; i++, done++) {
        await writeBatch(name, 1000 + i * 10, 10);
        await db.query(
          `UPDATE ${name}.with_key SET amount = amount + 1 WHERE id = ${i + 1}; UPDATE ${name}.no_key SET note = 'updated' WHERE id = ${i + 1}; DELETE FROM ${name}.no_key WHERE id = ${i + 100};`,
        );
      }
    })();
    await waitFor(() => done >= 10, 30_000, 'some transactions to be written while it runs');
    child.kill(signal);
    const r = await child.result;
    if (signal === 'SIGTERM') assert.equal(r.code, 0, `clean stop:\n${r.stdout}\n${r.stderr}`);
    await writer;
    await writeBatch(name, 5000, 50); // while it is down

    const r2 = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /resuming from checkpoint/);

    assert.deepEqual(
      await duckRows(duck, `SELECT * FROM ${name}.with_key`),
      await mariaRows(db, `SELECT * FROM ${name}.with_key`),
    );
    // append table: every insert once, every update as one more row, deletes ignored
    const inserted = 200 + 400 + 50;
    const updatedRows = 40; // one row per UPDATE statement
    const got = await duckRows(duck, `SELECT count(*), count(DISTINCT id) FROM ${name}.no_key`);
    assert.deepEqual(got, [[String(inserted + updatedRows), String(inserted)]]);
    const updated = await duckRows(duck, `SELECT id FROM ${name}.no_key WHERE note = 'updated'`);
    assert.equal(updated.length, updatedRows);
  });
}

test('a table without a primary key: DELETE ignored, UPDATE appended', async () => {
  await db.query(`CREATE DATABASE nokey_db; CREATE TABLE nokey_db.log (id INT, msg VARCHAR(20));
    INSERT INTO nokey_db.log VALUES (1, 'a'), (2, 'b');`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'nokey_db.log',
    duckdbPath: duck,
    name: 'nokey',
  });
  const state = join(dir, 'state');
  const first = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(first.code, 0);
  assert.match(first.stderr, /schema change applied.*create-table/); // a new sink table
  await db.query(
    `UPDATE nokey_db.log SET msg = 'b2' WHERE id = 2; DELETE FROM nokey_db.log WHERE id = 1; INSERT INTO nokey_db.log VALUES (3, 'c');`,
  );
  const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, r.stderr);
  // a restart finds the sink table there: it is not reported as created again
  assert.doesNotMatch(r.stderr, /schema change applied/);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM nokey_db.log'), [
    ['1', 'a'],
    ['2', 'b'],
    ['2', 'b2'],
    ['3', 'c'],
  ]);
});

test('exact values: DECIMAL, DATETIME(6), TIMESTAMP across a non-UTC server zone, BIGINT UNSIGNED max, emoji, empty vs NULL', async () => {
  await db.query(`CREATE DATABASE exact_db;
    CREATE TABLE exact_db.v (
      id INT PRIMARY KEY,
      d DECIMAL(10,2), dbig DECIMAL(30,10), dt DATETIME(6), ts TIMESTAMP(6) NULL, ub BIGINT UNSIGNED, sb BIGINT,
      s VARCHAR(50), t TEXT, b VARBINARY(8), f DOUBLE, y YEAR, dd DATE, tm TIME(3), e ENUM('x','y'), j JSON
    ) DEFAULT CHARSET=utf8mb4;`);
  const row = (id: number): string =>
    `(${id}, 4.00, -12345678901234567890.0123456789, '2024-02-29 23:59:59.123456', '2024-03-10 02:30:00.654321',
      18446744073709551615, -9223372036854775808, '😀 emoji ${id}', '', x'00ff0010', 0.1, 2155, '1000-01-01', '-838:59:58.125', 'y', '{"a": [1, 2.5, "x"]}')`;
  await db.query(
    `INSERT INTO exact_db.v VALUES ${row(1)}, (2, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);`,
  );
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'exact_db.v',
    duckdbPath: duck,
    name: 'exact',
  });
  const state = join(dir, 'state');
  assert.equal((await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up'])).code, 0);
  await db.query(
    `INSERT INTO exact_db.v VALUES ${row(3)}; UPDATE exact_db.v SET s = '', t = NULL, d = 0.50 WHERE id = 2;`,
  );
  const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, r.stderr);

  // MariaDB's own rows, read as exact text (UTC session, big numbers and dates as strings)
  const conn = await mysql.createConnection({
    host: db.host,
    port: db.port,
    user: db.rootUser,
    password: db.rootPassword,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
    charset: 'UTF8MB4_UNICODE_CI',
  });
  await conn.query("SET time_zone = '+00:00'");
  const [mrows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT id, d, dbig, dt, ts, ub, sb, s, t, b, f, y, dd, tm, e, j FROM exact_db.v',
  );
  await conn.end();
  const expected = mrows
    .map((r) =>
      Object.values(r).map((v: unknown) =>
        v === null
          ? null
          : Buffer.isBuffer(v)
            ? v.toString('hex')
            : typeof v === 'object'
              ? JSON.stringify(v)
              : String(v as string),
      ),
    )
    .sort(compareRows);
  const got = await duckRows(
    duck,
    `SELECT id, d, dbig, strftime(dt, '%Y-%m-%d %H:%M:%S.%f'), strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f'), ub, sb, s, t, b, f, y, dd, tm, e, j FROM exact_db.v`,
  );
  // normalise the few renderings that differ between the two clients, never the values
  const norm = (rows: (string | null)[][]): (string | null)[][] =>
    rows.map((r) =>
      r.map((v, i) =>
        v === null ? null : i === 15 ? JSON.stringify(JSON.parse(v)) : i === 13 ? String(timeMicros(v)) : v,
      ),
    );
  assert.deepEqual(norm(got), norm(expected));
  const first = got.find((r) => r[0] === '1')!;
  assert.equal(first[1], '4.00');
  assert.equal(first[3], '2024-02-29 23:59:59.123456');
  assert.equal(first[5], '18446744073709551615');
  assert.equal(first[7], '😀 emoji 1');
  assert.equal(first[8], '');
  const second = got.find((r) => r[0] === '2')!;
  assert.equal(second[7], '');
  assert.equal(second[8], null);
});

/** TIME text "[-]H:MM:SS[.ffffff]" as microseconds, so both renderings compare by value. */
function timeMicros(text: string): bigint {
  const neg = text.startsWith('-');
  const [h, m, sec] = text.replace('-', '').split(':');
  const [whole, frac = ''] = (sec ?? '0').split('.');
  const us =
    ((BigInt(h!) * 60n + BigInt(m!)) * 60n + BigInt(whole!)) * 1_000_000n +
    BigInt(frac.padEnd(6, '0').slice(0, 6));
  return neg ? -us : us;
}

test('schema history: rows written before and after an ADD COLUMN while stopped decode with their own schema; a new matching table is captured from its CREATE TABLE', async () => {
  await db.query(
    `CREATE DATABASE hist_db; CREATE TABLE hist_db.t (id INT PRIMARY KEY, a VARCHAR(10)); INSERT INTO hist_db.t VALUES (1, 'one');`,
  );
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'hist_db.\\.*',
    duckdbPath: duck,
    name: 'hist',
  });
  const state = join(dir, 'state');
  assert.equal((await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up'])).code, 0);
  await db.query(`INSERT INTO hist_db.t VALUES (2, 'two');
    ALTER TABLE hist_db.t ADD COLUMN b DECIMAL(5,1) NOT NULL DEFAULT 1.5 AFTER id;
    INSERT INTO hist_db.t VALUES (3, 3.5, 'three');
    UPDATE hist_db.t SET a = 'uno' WHERE id = 1;
    CREATE TABLE hist_db.t2 (k BIGINT UNSIGNED PRIMARY KEY, v TEXT);
    INSERT INTO hist_db.t2 VALUES (18446744073709551615, 'max');`);
  const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, r.stderr);
  // the sink appends b as its last column (lenient); values compared by name with MariaDB's
  assert.deepEqual(
    await duckRows(duck, 'SELECT id, b, a FROM hist_db.t'),
    await mariaRows(db, 'SELECT id, b, a FROM hist_db.t'),
  );
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM hist_db.t2'), [['18446744073709551615', 'max']]);
});
