import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sharedMariaDb, type MariaDbInstance } from '../../../test/support/mariadb.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import {
  BINLOG_DUMP_NON_BLOCK,
  BINLOG_THROUGH_GTID,
  BinlogClient,
  binlogDumpGtidPayload,
  type BinlogClientOptions,
  type BinlogStart,
} from './binlog-client.js';
import { GtidSet } from './gtid-set.js';
import type { MysqlConnectionOptions } from './mysql-connection.js';
import { currentBinlogPosition, listBinlogs } from './server-checks.js';

const ROTATE = 4;
const FDE = 15;
const QUERY = 2;
const XID = 16;
const TABLE_MAP = 19;
const HEARTBEAT = 27;
const WRITE_ROWS = [23, 30];
const UPDATE_ROWS = [24, 31];
const DELETE_ROWS = [25, 32];
const MARIADB_GTID = 162;
const LOG_EVENT_ARTIFICIAL_F = 0x20;

interface Ev {
  type: number;
  size: number;
  logPos: number;
  flags: number;
  buf: Buffer;
}

const parse = (b: Buffer): Ev => ({
  type: b[4] ?? -1,
  size: b.readUInt32LE(9),
  logPos: b.readUInt32LE(13),
  flags: b.readUInt16LE(17),
  buf: b,
});

let db: MariaDbInstance;
let cdc: MysqlConnectionOptions;
let serverIds = 1000;

before(async () => {
  db = await sharedMariaDb();
  await db.createCdcUser('bl_cdc', 'bl-pw');
  cdc = { host: db.host, port: db.port, user: 'bl_cdc', password: 'bl-pw', connectTimeoutMs: 5000 };
  await db.query('CREATE DATABASE IF NOT EXISTS `bl`');
});

function client(start: BinlogStart, extra: Partial<BinlogClientOptions> = {}): BinlogClient {
  return new BinlogClient({
    connection: cdc,
    serverId: serverIds++,
    start,
    heartbeatSeconds: 5,
    nonBlocking: true,
    ...extra,
  });
}

async function readAll(c: BinlogClient): Promise<Ev[]> {
  const out: Ev[] = [];
  for await (const batch of c.events()) for (const b of batch) out.push(parse(b));
  return out;
}

async function position(): Promise<{ file: string; pos: number; gtid?: string }> {
  const conn = await db.connect();
  try {
    return await currentBinlogPosition(conn);
  } finally {
    await conn.end();
  }
}

/** The table name of a TABLE_MAP event (post-header: table id 6, flags 2; then db and table). */
function tableMapName(e: Ev): string {
  let at = 19 + 8;
  const dbLen = e.buf[at] ?? 0;
  const dbName = e.buf.toString('utf8', at + 1, at + 1 + dbLen);
  at += 1 + dbLen + 1;
  const tLen = e.buf[at] ?? 0;
  return `${dbName}.${e.buf.toString('utf8', at + 1, at + 1 + tLen)}`;
}

test('dump from the start of a binlog: event types in order and positions that add up', async () => {
  await db.query('FLUSH BINARY LOGS');
  const { file } = await position();
  await db.query(
    'CREATE TABLE `bl`.`seq` (`id` INT PRIMARY KEY, `v` VARCHAR(20));' +
      "INSERT INTO `bl`.`seq` VALUES (1, 'a'), (2, 'b');" +
      "BEGIN; UPDATE `bl`.`seq` SET `v` = 'c' WHERE `id` = 1; DELETE FROM `bl`.`seq` WHERE `id` = 2; COMMIT;",
  );
  const events = await readAll(client({ file, pos: 4 }));
  const types = events.map((e) => e.type);
  // A fake ROTATE naming the file, then the file's FORMAT_DESCRIPTION at offset 4.
  assert.equal(types[0], ROTATE);
  assert.equal(events[0]?.logPos, 0);
  assert.ok(((events[0]?.flags ?? 0) & LOG_EVENT_ARTIFICIAL_F) !== 0);
  assert.equal(events[0]?.buf.toString('latin1', 19 + 8, (events[0]?.size ?? 0) - 4), file);
  assert.equal(types[1], FDE);
  // After the header events: DDL, insert transaction, update+delete transaction.
  const gtids = events.filter((e) => e.type === MARIADB_GTID);
  assert.equal(gtids.length, 3);
  const afterFirstGtid = types.slice(types.indexOf(MARIADB_GTID));
  const simplified = afterFirstGtid
    .filter((t) => t !== 160 && t !== 161) // ANNOTATE_ROWS; BINLOG_CHECKPOINT comes whenever InnoDB is done
    .map((t) =>
      WRITE_ROWS.includes(t)
        ? 'W'
        : UPDATE_ROWS.includes(t)
          ? 'U'
          : DELETE_ROWS.includes(t)
            ? 'D'
            : String(t),
    );
  assert.deepEqual(simplified, [
    String(MARIADB_GTID),
    String(QUERY), // CREATE TABLE
    String(MARIADB_GTID),
    String(TABLE_MAP),
    'W',
    String(XID),
    String(MARIADB_GTID),
    String(TABLE_MAP),
    'U',
    String(TABLE_MAP),
    'D',
    String(XID),
  ]);
  assert.ok(afterFirstGtid.includes(160), 'ANNOTATE_ROWS events are requested by default');
  const tm = events.find((e) => e.type === TABLE_MAP);
  assert.equal(tm && tableMapName(tm), 'bl.seq');
  // Every real event ends where its log_pos says and the next one starts there.
  let pos = 4;
  for (const e of events) {
    assert.equal(e.size, e.buf.length);
    if (e.logPos === 0 || (e.flags & LOG_EVENT_ARTIFICIAL_F) !== 0) continue;
    assert.equal(e.logPos, pos + e.size, `event type ${e.type} at ${pos}`);
    pos = e.logPos;
  }
  const conn = await db.connect();
  try {
    const logs = await listBinlogs(conn);
    assert.equal(logs.find((l) => l.name === file)?.size, pos);
  } finally {
    await conn.end();
  }
});

test('dump from a mid-file position and from a MariaDB GTID start at the same event', async () => {
  await db.query('CREATE TABLE IF NOT EXISTS `bl`.`mid` (`id` INT PRIMARY KEY)');
  const start = await position();
  assert.ok(start.gtid);
  await db.query('INSERT INTO `bl`.`mid` VALUES (1); INSERT INTO `bl`.`mid` VALUES (2)');
  const byPos = await readAll(client({ file: start.file, pos: start.pos }));
  const real = byPos.filter((e) => e.type !== ROTATE && e.type !== FDE && e.logPos !== 0);
  assert.equal((real[0]?.logPos ?? 0) - (real[0]?.size ?? 0), start.pos);
  assert.equal(real[0]?.type, MARIADB_GTID);
  assert.equal(real.filter((e) => e.type === XID).length, 2);

  const byGtid = await readAll(client({ mariadbGtid: start.gtid }));
  const firstGtid = byGtid.find((e) => e.type === MARIADB_GTID);
  assert.equal(firstGtid?.logPos, real[0]?.logPos);
  assert.equal(byGtid.filter((e) => e.type === XID).length, 2);
});

test('a 20 MiB LONGBLOB row arrives as one event of the right size', async () => {
  await db.query('SET GLOBAL `max_allowed_packet` = 67108864');
  const conn = await db.connect(); // new session: sees the new max_allowed_packet
  try {
    await conn.query('CREATE TABLE IF NOT EXISTS `bl`.`big` (`id` INT PRIMARY KEY, `b` LONGBLOB)');
    const start = await position();
    const size = 20 * 1024 * 1024;
    await conn.query("INSERT INTO `bl`.`big` VALUES (1, REPEAT('x', ?))", [size]);
    const c = client({ file: start.file, pos: start.pos }, { maxBufferedBytes: 1024 * 1024 });
    const events = await readAll(c);
    const rows = events.filter((e) => WRITE_ROWS.includes(e.type));
    assert.equal(rows.length, 1);
    const ev = rows[0]!;
    assert.ok(ev.size > size && ev.size < size + 200, `size ${ev.size}`);
    assert.equal(ev.buf.length, ev.size);
    // the payload is intact: 20 MiB of 'x' just before the 4-byte checksum
    assert.equal(ev.buf.indexOf('xxxxxxxx'), ev.size - 4 - size);
    assert.equal(
      ev.buf.subarray(ev.size - 4 - size, ev.size - 4).every((b) => b === 0x78),
      true,
    );
    const xid = events.find((e) => e.type === XID);
    assert.ok(xid && xid.logPos > ev.logPos);
  } finally {
    await conn.end();
  }
});

test('back-pressure: with a slow consumer the buffered events stay bounded', async () => {
  await db.query('CREATE TABLE IF NOT EXISTS `bl`.`many` (`id` INT PRIMARY KEY, `v` VARCHAR(50))');
  const start = await position();
  const n = 3000;
  const stmts: string[] = [];
  for (let i = 1; i <= n; i++) stmts.push(`INSERT INTO \`bl\`.\`many\` VALUES (${i}, 'value ${i}')`);
  await db.query(stmts.join(';'));
  const maxEvents = 200;
  const maxBytes = 256 * 1024;
  const c = client(
    { file: start.file, pos: start.pos },
    { maxBufferedEvents: maxEvents, maxBufferedBytes: maxBytes, maxBatchEvents: 50 },
  );
  let writes = 0;
  let maxSeen = 0;
  for await (const batch of c.events()) {
    writes += batch.filter((b) => WRITE_ROWS.includes(b[4] ?? 0)).length;
    maxSeen = Math.max(maxSeen, c.stats().bufferedEvents);
    await sleep(2);
  }
  const s = c.stats();
  assert.equal(writes, n);
  assert.ok(s.pauses > 0, 'the socket was paused');
  // The limit can be overshot by what is left of the socket chunk being parsed (<= 64 KiB).
  const chunk = 64 * 1024;
  assert.ok(s.maxBufferedBytesSeen <= maxBytes + chunk, `max buffered bytes ${s.maxBufferedBytesSeen}`);
  assert.ok(
    s.maxBufferedEventsSeen <= maxEvents + chunk / 19,
    `max buffered events ${s.maxBufferedEventsSeen}`,
  );
  assert.ok(s.eventsReceived > s.maxBufferedEventsSeen * 10);
  assert.ok(maxSeen <= s.maxBufferedEventsSeen);
});

test('close() ends a streaming iterator promptly, also while it waits for new events', async () => {
  const { file } = await position();
  const c = client({ file, pos: 4 }, { nonBlocking: false });
  const it = c.events();
  const first = await it.next();
  assert.equal(first.done, false);
  // Drain until it waits at the end of the log, then close from outside.
  const pending = (async () => {
    while (!(await it.next()).done);
  })();
  await sleep(200);
  const t0 = Date.now();
  await c.close();
  await pending;
  assert.ok(Date.now() - t0 < 1000);
  assert.deepEqual(await it.next(), { done: true, value: undefined });

  // break out of for-await → return() → close()
  const c2 = client({ file, pos: 4 }, { nonBlocking: false });
  for await (const batch of c2.events()) {
    assert.ok(batch.length > 0);
    break;
  }
  assert.equal(c2.stats().bufferedEvents, 0);
});

test('a purged / unknown binlog file → SOURCE_POSITION_LOST', async () => {
  const c = client({ file: 'mysql-bin.999999', pos: 4 });
  await assert.rejects(readAll(c), (e: unknown) => {
    assert.ok(e instanceof TidemarkError);
    assert.equal(e.code, 'SOURCE_POSITION_LOST', e.message);
    assert.match(e.message, /mysql-bin\.999999:4/);
    return true;
  });
});

test('wrong credentials and missing REPLICATION SLAVE are reported as such', async () => {
  const { file } = await position();
  const bad = new BinlogClient({
    connection: { ...cdc, password: 'nope-nope' },
    serverId: serverIds++,
    start: { file, pos: 4 },
    nonBlocking: true,
  });
  await assert.rejects(
    readAll(bad),
    (e: unknown) =>
      e instanceof TidemarkError && e.code === 'SOURCE_AUTH' && !e.message.includes('nope-nope'),
  );
  await db.createCdcUser('bl_norepl', 'pw-norepl', 'SELECT, REPLICATION CLIENT');
  const norepl = new BinlogClient({
    connection: { ...cdc, user: 'bl_norepl', password: 'pw-norepl' },
    serverId: serverIds++,
    start: { file, pos: 4 },
    nonBlocking: true,
  });
  await assert.rejects(
    readAll(norepl),
    (e: unknown) => e instanceof TidemarkError && e.code === 'SOURCE_PRIVILEGE',
  );
});

/** A TCP proxy that can stop forwarding server → client data (a silently dead connection). */
async function startProxy(
  port: number,
): Promise<{ port: number; freeze(): void; close(): void; server: Server }> {
  const pairs: [Socket, Socket][] = [];
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    server,
    freeze() {
      for (const [, up] of pairs) {
        up.unpipe();
        up.pause();
      }
    },
    close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      server.close();
    },
  };
}

test('heartbeats keep an idle stream alive; a silent connection fails retryably', async () => {
  const proxy = await startProxy(db.port);
  try {
    const end = await position();
    const c = new BinlogClient({
      connection: { ...cdc, port: proxy.port },
      serverId: serverIds++,
      start: { file: end.file, pos: end.pos },
      heartbeatSeconds: 0.4,
    });
    const it = c.events();
    let heartbeats = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 2000) {
      const r = await it.next();
      assert.equal(r.done, false);
      heartbeats += r.value.filter((b) => b[4] === HEARTBEAT).length;
    }
    assert.ok(heartbeats >= 2, `heartbeats: ${heartbeats}`);
    proxy.freeze();
    const t1 = Date.now();
    await assert.rejects(
      (async () => {
        while (!(await it.next()).done);
      })(),
      (e: unknown) => {
        assert.ok(e instanceof TidemarkError);
        assert.equal(e.code, 'SOURCE_BINLOG_READ');
        assert.equal(e.retryable, true);
        assert.match(e.message, /dead/);
        return true;
      },
    );
    const waited = Date.now() - t1;
    assert.ok(waited >= 1000 && waited < 4000, `waited ${waited} ms`);
    await c.close();
  } finally {
    proxy.close();
  }
});

test('COM_BINLOG_DUMP_GTID payload: flags, server id, file, 64-bit position, encoded GTID set', () => {
  const set = GtidSet.parse('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5');
  const p = binlogDumpGtidPayload('binlog.000007', 4, BINLOG_DUMP_NON_BLOCK, 77, set);
  assert.equal(p[0], 0x1e);
  assert.equal(p.readUInt16LE(1), BINLOG_DUMP_NON_BLOCK | BINLOG_THROUGH_GTID);
  assert.equal(p.readUInt32LE(3), 77);
  assert.equal(p.readUInt32LE(7), 13);
  assert.equal(p.toString('utf8', 11, 24), 'binlog.000007');
  assert.equal(p.readBigUInt64LE(24), 4n);
  assert.equal(p.readUInt32LE(32), set.encode().length);
  assert.ok(p.subarray(36).equals(set.encode()));
  // no set: a position beyond 4 GiB, no BINLOG_THROUGH_GTID, no data block
  const far = binlogDumpGtidPayload('binlog.000007', 5_000_000_000, 0, 77, undefined);
  assert.equal(far.readUInt16LE(1), 0);
  assert.equal(far.readBigUInt64LE(24), 5_000_000_000n);
  assert.equal(far.length, 32);
});

test('GTID starts are checked when the client is made', () => {
  const make = (start: BinlogStart): BinlogClient =>
    new BinlogClient({
      connection: cdc ?? { host: 'x', port: 1, user: 'u', password: '' },
      serverId: 1,
      start,
    });
  assert.throws(
    () => make({ mysqlGtid: 'nope:1' }),
    (e: unknown) => e instanceof TidemarkError && e.code === 'CONFIG_INVALID',
  );
  assert.throws(
    () => make({ mariadbGtid: '0-1' }),
    (e: unknown) => e instanceof TidemarkError && e.code === 'CONFIG_INVALID',
  );
  assert.throws(() => make({ file: 'f.000001', pos: 2 }), /must be an integer from 4/);
  assert.doesNotThrow(() => make({ file: 'f.000001', pos: 5_000_000_000 }));
});

test('a MySQL GTID start goes out as COM_BINLOG_DUMP_GTID (MariaDB refuses it with a clear error)', async () => {
  // A proxy that records what the client sends.
  const sent: Buffer[] = [];
  const server = createServer((c) => {
    const up = connect(db.port, '127.0.0.1');
    c.on('data', (d: Buffer) => sent.push(d));
    c.pipe(up);
    up.pipe(c);
    c.on('error', () => undefined);
    up.on('error', () => undefined);
    c.on('close', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  try {
    const gtid = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7';
    const serverId = serverIds++;
    const c = new BinlogClient({
      connection: { ...cdc, port },
      serverId,
      start: { mysqlGtid: gtid },
      nonBlocking: true,
    });
    await assert.rejects(
      readAll(c),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'SOURCE_BINLOG_CONFIG' &&
        !e.retryable &&
        /MariaDB GTID position/.test(e.message),
    );
    const all = Buffer.concat(sent);
    const want = binlogDumpGtidPayload('', 4, BINLOG_DUMP_NON_BLOCK, serverId, GtidSet.parse(gtid));
    assert.ok(all.includes(want), 'the COM_BINLOG_DUMP_GTID packet went out byte for byte');
  } finally {
    server.close();
  }
});
