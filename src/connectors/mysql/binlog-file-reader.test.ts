import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedMariaDb } from '../../../test/support/mariadb.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import { BinlogDecoder } from './binlog/binlog-decoder.js';
import {
  binlogFileNumber,
  listBinlogFiles,
  readBinlogFile,
  type BinlogFileReadOptions,
  type RawBinlogEvent,
} from './binlog-file-reader.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures/mysql-binlog');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'tidemark-blfile-'));

async function readAll(path: string, opts?: BinlogFileReadOptions): Promise<RawBinlogEvent[]> {
  const out: RawBinlogEvent[] = [];
  for await (const batch of readBinlogFile(path, opts)) out.push(...batch);
  return out;
}

/** The events of a whole file in memory, split by event_size: the reference. */
function split(bin: Buffer): { pos: number; buf: Buffer }[] {
  const out: { pos: number; buf: Buffer }[] = [];
  let p = 4;
  while (p + 19 <= bin.length) {
    const size = bin.readUInt32LE(p + 9);
    if (p + size > bin.length) break;
    out.push({ pos: p, buf: bin.subarray(p, p + size) });
    p += size;
  }
  return out;
}

function same(got: RawBinlogEvent[], want: { pos: number; buf: Buffer }[], what: string): void {
  assert.equal(got.length, want.length, `${what}: event count`);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i]!.pos, want[i]!.pos, `${what}: event ${i} position`);
    assert.ok(got[i]!.buf.equals(want[i]!.buf), `${what}: event ${i} bytes`);
  }
}

test('every fixture events.bin: the same events as splitting the file in memory, and they decode', async (t) => {
  const casesDir = join(fixtures, 'cases');
  if (!existsSync(casesDir)) return t.skip(`the captured binlog corpus is not here: ${fixtures} not found`);
  let files = 0;
  for (const c of readdirSync(casesDir).filter((d) => d.startsWith('case-'))) {
    const path = join(casesDir, c, 'events.bin');
    if (!existsSync(path)) continue;
    const got = await readAll(path, { chunkSize: 1024 });
    same(got, split(readFileSync(path)), c);
    assert.ok(got.every((e) => e.file === 'events.bin'));
    const decoder = new BinlogDecoder();
    for (const e of got) decoder.decode(e.buf, e);
    files++;
  }
  assert.ok(files > 200, `cases read: ${files}`);
});

test('large real files: chunk size does not matter; events span chunk boundaries', async (t) => {
  const raw = join(fixtures, 'raw');
  if (!existsSync(raw)) return t.skip(`the captured binlog corpus is not here: ${fixtures} not found`);
  for (const name of [
    'juanonsoftware__DockerDataMySQL__binlog.000019',
    'florin567__wordpres-repo-data__binlog.000003',
  ]) {
    const path = join(raw, name);
    if (!existsSync(path)) continue;
    const want = split(readFileSync(path));
    same(await readAll(path), want, `${name} 1 MiB chunks`);
    same(await readAll(path, { chunkSize: 1500, maxBatchEvents: 7 }), want, `${name} 1500-byte chunks`);
  }
});

test('a mid-file start yields the Format_description first, then the events from there', async (t) => {
  const path = join(fixtures, 'raw', 'florin567__wordpres-repo-data__binlog.000003');
  if (!existsSync(path)) return t.skip(`the captured binlog corpus is not here: ${fixtures} not found`);
  const want = split(readFileSync(path));
  const from = want[100]!.pos;
  const got = await readAll(path, { start: from });
  assert.equal(got[0]!.pos, 4);
  assert.equal(got[0]!.buf[4], 15);
  same(got.slice(1), want.slice(100), 'from event 100');
  // a decoder fed this way decodes the rest (it needs the checksum setting of the FDE)
  const decoder = new BinlogDecoder();
  for (const e of got) decoder.decode(e.buf, e);
  await assert.rejects(readAll(path, { start: 10 ** 9 }), /start position 1000000000 is outside the file/);
});

/** Without the captured corpus: a closed binlog file of the private test server, with a few events. */
async function ownBinlogFile(): Promise<Buffer> {
  const db = await sharedMariaDb();
  await db.query(
    'CREATE DATABASE IF NOT EXISTS blfile_reader; CREATE OR REPLACE TABLE blfile_reader.t (id INT PRIMARY KEY, v VARCHAR(20))',
  );
  await db.query("INSERT INTO blfile_reader.t VALUES (1, 'a'), (2, 'b'); UPDATE blfile_reader.t SET v = 'c'");
  const [status] = await db.query<{ File: string }[]>('SHOW MASTER STATUS');
  await db.query('FLUSH BINARY LOGS; DROP DATABASE blfile_reader');
  return readFileSync(join(db.binlogDir, status!.File));
}

test('truncated tail, bad magic, impossible sizes: errors naming file:position', async () => {
  const path = join(fixtures, 'raw', 'florin567__wordpres-repo-data__binlog.000003');
  const dir = tmp();
  const whole = existsSync(path) ? readFileSync(path) : await ownBinlogFile();
  const events = split(whole);
  const cutAt = events[events.length - 1]!.pos + 10; // inside the last event
  const cut = join(dir, 'mysql-bin.000001');
  writeFileSync(cut, whole.subarray(0, cutAt));
  await assert.rejects(readAll(cut), (e: unknown) => {
    assert.ok(e instanceof TidemarkError);
    assert.equal(e.code, 'SOURCE_BINLOG_READ');
    assert.match(
      e.message,
      new RegExp(`mysql-bin\\.000001:${events[events.length - 1]!.pos}: truncated event`),
    );
    return true;
  });
  // a file still being written: the complete events, then a quiet end
  const partial = await readAll(cut, { allowTruncatedTail: true });
  same(partial, events.slice(0, -1), 'complete events of a truncated file');

  const bad = join(dir, 'bad.000001');
  writeFileSync(bad, Buffer.from('hello world, not a binlog'));
  await assert.rejects(
    readAll(bad),
    /bad\.000001:0: not a binlog file \(expected the magic fe 62 69 6e, found 68656c6c\)/,
  );

  const corrupt = Buffer.from(whole.subarray(0, events[3]!.pos + 40));
  corrupt.writeUInt32LE(5, events[2]!.pos + 9); // event_size 5 < header
  const cfile = join(dir, 'corrupt.000001');
  writeFileSync(cfile, corrupt);
  await assert.rejects(
    readAll(cfile),
    new RegExp(`corrupt\\.000001:${events[2]!.pos}: event \\(type \\d+\\) has an impossible size 5`),
  );
  await assert.rejects(readAll(join(dir, 'missing.000001')), /missing\.000001:0: cannot open/);
});

test('listBinlogFiles: a directory, a glob, a file; numeric order; .index and others skipped', async () => {
  const dir = tmp();
  for (const n of [
    'mysql-bin.000010',
    'mysql-bin.000002',
    'mysql-bin.000009',
    'mysql-bin.index',
    'notes.txt',
    'relay.000001',
  ])
    writeFileSync(join(dir, n), '');
  mkdirSync(join(dir, 'sub.000003'));
  const names = (l: string[]): string[] => l.map((p) => basename(p));
  assert.deepEqual(names(await listBinlogFiles(dir)), [
    'mysql-bin.000002',
    'mysql-bin.000009',
    'mysql-bin.000010',
    'relay.000001',
  ]);
  assert.deepEqual(names(await listBinlogFiles(join(dir, 'mysql-bin.0*'))), [
    'mysql-bin.000002',
    'mysql-bin.000009',
    'mysql-bin.000010',
  ]);
  assert.deepEqual(names(await listBinlogFiles(join(dir, 'mysql-bin.00001?'))), ['mysql-bin.000010']);
  assert.deepEqual(names(await listBinlogFiles(join(dir, 'relay.000001'))), ['relay.000001']);
  await assert.rejects(listBinlogFiles(join(dir, 'nope')), /binlog path .*nope does not exist/);
  assert.equal(binlogFileNumber('mysql-bin.000042'), 42);
  assert.equal(binlogFileNumber('mysql-bin.index'), undefined);
});
