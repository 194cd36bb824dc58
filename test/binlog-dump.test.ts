// `tidemark binlog dump` through the real CLI: captured MySQL files, the private MariaDB's own
// binlog files on disk, and the same server read as a replica (file:pos and GTID starts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { runTidemark } from './support/tidemark-cli.js';

const raw = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../shared/fixtures/mysql-binlog/raw/blackbeam__rust_mysql_common__test-data__binlogs__',
);

let db: MariaDbInstance;
before(async () => {
  db = await startMariaDb();
  await db.createCdcUser('dumper', 'dump-pw');
});
after(async () => {
  await db?.stop();
});

type Json = Record<string, unknown>;
const jsonLines = (s: string): Json[] =>
  s
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Json);

test('a captured MySQL 9.6 file: text, JSON lines, --count, --stop-at, --count-only', async (t) => {
  const file = `${raw}binlog_transaction_with_GTID_TAG.000001`;
  if (!existsSync(file)) return t.skip('fixtures not present');
  const text = await runTidemark(['binlog', 'dump', '--file', file]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /:4 .* formatDescription \(123 bytes, next 127\) 9\.6\.0 binlog v4 checksum CRC32/,
  );
  assert.match(text.stdout, /previousGtids .* \[55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2\]/);
  assert.match(text.stdout, /INSERT test\.orders 1 row\(s\)\n {2}after: @1=3, @2=100, @3="250\.00"/);

  const json = await runTidemark(['binlog', 'dump', '--file', file, '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const events = jsonLines(json.stdout);
  assert.deepEqual(
    events.map((e) => `${e.pos as number}:${e.type as string}`),
    [
      '4:formatDescription',
      '127:previousGtids',
      '245:gtid',
      '328:query',
      '405:tableMap',
      '461:rows',
      '510:xid',
      '541:rotate',
    ],
  );
  const gtid = events.find((e) => e.type === 'gtid')!;
  assert.equal(gtid.uuid, '55778904-0299-11f1-b1b8-4ef0c4956feb');
  assert.equal(gtid.tag, 'mytag');
  const rows = events.find((e) => e.type === 'rows')!;
  assert.deepEqual(rows.rows, [{ after: { '@1': 3, '@2': 100, '@3': '250.00' } }]);
  assert.equal(rows.kind, 'write');
  // positions add up
  for (let i = 1; i < events.length; i++) {
    assert.equal(events[i]!.pos, (events[i - 1]!.pos as number) + (events[i - 1]!.eventSize as number));
  }

  const two = await runTidemark(['binlog', 'dump', '--file', file, '--format', 'json', '--count', '2']);
  assert.equal(jsonLines(two.stdout).length, 2);
  const name = 'blackbeam__rust_mysql_common__test-data__binlogs__binlog_transaction_with_GTID_TAG.000001';
  const mid = await runTidemark([
    'binlog',
    'dump',
    '--file',
    file,
    '--format',
    'json',
    '--start',
    '328',
    '--stop-at',
    `${name}:510`,
  ]);
  assert.equal(mid.code, 0, mid.stderr);
  // the Format_description comes first so that the rest decodes
  assert.deepEqual(
    jsonLines(mid.stdout).map((e) => e.pos),
    [4, 328, 405, 461],
  );
  const counts = await runTidemark(['binlog', 'dump', '--file', file, '--count-only', '--format', 'json']);
  const summary = jsonLines(counts.stdout)[0]!;
  assert.equal(summary.events, 8);
  assert.equal(summary.rows, 1);
  assert.deepEqual((summary.byType as Json).rows, 1);
  assert.equal(typeof summary.eventsPerSecond, 'number');
});

test("MariaDB's binlog files on disk and the same binlog from the server give the same events", async () => {
  await db.query(`CREATE DATABASE dump_db;
    CREATE TABLE dump_db.t (id INT PRIMARY KEY, big BIGINT UNSIGNED, bin VARBINARY(8), note VARCHAR(20), d DECIMAL(20,4));
    FLUSH BINARY LOGS;`);
  const rows = await db.query<{ Log_name: string }[]>('SHOW BINARY LOGS');
  const file = rows[rows.length - 1]!.Log_name;
  const gtid = (await db.query<{ g: string }[]>('SELECT @@gtid_binlog_pos AS g'))[0]!.g;
  await db.query(`INSERT INTO dump_db.t VALUES (1, 18446744073709551615, X'00FF000000', 'ü 😀', -12345678901234.5678), (2, NULL, '', '', 0);
    UPDATE dump_db.t SET note = 'x' WHERE id = 2;
    DELETE FROM dump_db.t WHERE id = 1;
    FLUSH BINARY LOGS;`);

  const fromFiles = await runTidemark([
    'binlog',
    'dump',
    '--file',
    join(db.binlogDir, file),
    '--format',
    'json',
  ]);
  assert.equal(fromFiles.code, 0, fromFiles.stderr);
  const fileEvents = jsonLines(fromFiles.stdout);
  const rowsEvents = fileEvents.filter((e) => e.type === 'rows');
  assert.deepEqual(
    rowsEvents.map((e) => e.rows),
    [
      [
        {
          after: {
            id: 1,
            big: '18446744073709551615',
            bin: { hex: '00ff000000' },
            note: 'ü 😀',
            d: '-12345678901234.5678',
          },
        },
        { after: { id: 2, big: null, bin: { hex: '' }, note: '', d: '0.0000' } },
      ],
      [
        {
          before: { id: 2, big: null, bin: { hex: '' }, note: '', d: '0.0000' },
          after: { id: 2, big: null, bin: { hex: '' }, note: 'x', d: '0.0000' },
        },
      ],
      [
        {
          before: {
            id: 1,
            big: '18446744073709551615',
            bin: { hex: '00ff000000' },
            note: 'ü 😀',
            d: '-12345678901234.5678',
          },
        },
      ],
    ],
  );
  // a directory works too (every file, in order)
  const dir = await runTidemark([
    'binlog',
    'dump',
    '--file',
    db.binlogDir,
    '--count-only',
    '--format',
    'json',
  ]);
  assert.equal(dir.code, 0, dir.stderr);
  assert.ok((jsonLines(dir.stdout)[0]!.rows as number) >= 4);

  // The server, as a replica, from file:4 with the password from the environment.
  const server = await runTidemark(
    [
      'binlog',
      'dump',
      '--host',
      db.host,
      '--port',
      String(db.port),
      '--user',
      'dumper',
      '--password-env',
      'DUMP_PW',
      '--start',
      `${file}:4`,
      '--stop-at',
      `${
        readdirSync(db.binlogDir)
          .filter((f) => /\.\d+$/.test(f))
          .sort()
          .slice(-1)[0]!
      }:4`,
      '--format',
      'json',
    ],
    { DUMP_PW: 'dump-pw' },
  );
  assert.equal(server.code, 0, server.stderr);
  const serverEvents = jsonLines(server.stdout);
  const key = (e: Json): string => JSON.stringify([e.file, e.pos, e.type, e.rows ?? null]);
  assert.deepEqual(serverEvents.map(key), fileEvents.map(key));

  // From the MariaDB GTID position before the inserts: the same rows events.
  const byGtid = await runTidemark([
    'binlog',
    'dump',
    '--host',
    db.host,
    '--port',
    String(db.port),
    '--user',
    'dumper',
    '--password',
    'dump-pw',
    '--gtid',
    gtid,
    '--format',
    'json',
  ]);
  assert.equal(byGtid.code, 0, byGtid.stderr);
  const gtidRows = jsonLines(byGtid.stdout).filter((e) => e.type === 'rows' && e.schema === 'dump_db');
  assert.deepEqual(
    gtidRows.map((e) => e.rows),
    rowsEvents.map((e) => e.rows),
  );
  assert.ok(!server.stderr.includes('dump-pw') && !server.stdout.includes('dump-pw'));
});

test('bad invocations exit 2 with a message', async () => {
  const none = await runTidemark(['binlog', 'dump']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give either --file PATH or --host HOST/);
  const badStop = await runTidemark(['binlog', 'dump', '--file', db.binlogDir, '--stop-at', 'nope']);
  assert.equal(badStop.code, 2);
  assert.match(badStop.stderr, /--stop-at "nope": expected FILE:POS/);
  const badGtid = await runTidemark([
    'binlog',
    'dump',
    '--host',
    db.host,
    '--port',
    String(db.port),
    '--gtid',
    'xyz:1',
  ]);
  assert.equal(badGtid.code, 2);
  assert.match(badGtid.stderr, /invalid GTID set "xyz:1"/);
  const noEnv = await runTidemark([
    'binlog',
    'dump',
    '--host',
    db.host,
    '--password-env',
    'TIDEMARK_NOPE_NOT_SET',
  ]);
  assert.equal(noEnv.code, 2);
  assert.match(noEnv.stderr, /TIDEMARK_NOPE_NOT_SET: the variable is not set/);
});

test('--start FILE:POS: the first event printed is the one at POS; inside an event, the nearest boundaries', async () => {
  await db.query(`CREATE DATABASE start_db; CREATE TABLE start_db.t (id INT PRIMARY KEY, v VARCHAR(20));
    FLUSH BINARY LOGS;`);
  const logs = await db.query<{ Log_name: string }[]>('SHOW BINARY LOGS');
  const file = logs[logs.length - 1]!.Log_name;
  await db.query(`INSERT INTO start_db.t VALUES (1, 'a'); INSERT INTO start_db.t VALUES (2, 'b');
    UPDATE start_db.t SET v = 'c'; FLUSH BINARY LOGS;`);
  const path = join(db.binlogDir, file);
  const all = await runTidemark(['binlog', 'dump', '--file', path, '--format', 'json']);
  assert.equal(all.code, 0, all.stderr);
  const events = jsonLines(all.stdout);
  // a boundary in the middle of the file: the second table map
  const maps = events.filter((e) => e.type === 'tableMap');
  const mid = maps[1]!;
  const midPos = mid.pos as number;
  const next = events[events.indexOf(mid) + 1]!;
  const server = ['--host', db.host, '--port', String(db.port), '--user', 'dumper', '--password', 'dump-pw'];
  for (const source of [['--file', path], server]) {
    const what = source[0]!;
    const json = await runTidemark([
      'binlog',
      'dump',
      ...source,
      '--start',
      `${file}:${midPos}`,
      '--format',
      'json',
    ]);
    assert.equal(json.code, 0, `${what}: ${json.stderr}`);
    const got = jsonLines(json.stdout).filter((e) => e.type !== 'formatDescription');
    assert.deepEqual(
      got.slice(0, 2).map((e) => [e.pos, e.type]),
      [
        [midPos, 'tableMap'],
        [next.pos, next.type],
      ],
      what,
    );
    const text = await runTidemark([
      'binlog',
      'dump',
      ...source,
      '--start',
      `${file}:${midPos}`,
      '--count',
      '3',
    ]);
    assert.equal(text.code, 0, `${what}: ${text.stderr}`);
    const printed = [...text.stdout.matchAll(new RegExp(`^# ${file}:(\\d+) `, 'gm'))].map((m) =>
      Number(m[1]),
    );
    const starts = new Set(events.map((e) => e.pos as number));
    assert.deepEqual(printed.filter((p) => p !== 4).slice(0, 2), [midPos, next.pos], what);
    for (const p of printed) assert.ok(starts.has(p), `${what}: ${p} is where an event starts`);

    // inside that event: an error naming the events around it, nothing printed
    const inside = await runTidemark(['binlog', 'dump', ...source, '--start', `${file}:${midPos + 7}`]);
    assert.equal(inside.code, 2, `${what}: ${inside.stdout}${inside.stderr}`);
    assert.match(
      inside.stderr,
      new RegExp(
        `--start ${file}:${midPos + 7} is not an event boundary of .*${file}.*; the nearest boundaries are ${file}:${midPos} and ${file}:${next.pos as number}`,
      ),
      what,
    );
    assert.equal(inside.stdout, '', what);
    // past the end of the file
    const size = (events.at(-1)!.pos as number) + (events.at(-1)!.eventSize as number);
    const past = await runTidemark(['binlog', 'dump', ...source, '--start', `${file}:${size + 10}`]);
    assert.equal(past.code, 2, `${what}: ${past.stderr}`);
    assert.match(
      past.stderr,
      new RegExp(`--start ${file}:${size + 10} is past the end of .*${file}.* \\(${size} bytes`),
      what,
    );
  }
});
