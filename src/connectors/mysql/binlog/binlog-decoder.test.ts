import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { isTidemarkError } from '../../../event/tidemark-error.js';
import { BinlogDecoder } from './binlog-decoder.js';
import { BinlogEventType as E, type BinlogEvent } from './binlog-event.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const fixtures = join(repoRoot, '..', 'shared', 'fixtures', 'mysql-binlog');

function event(
  type: number,
  body: number[] | Buffer,
  opts: { crc?: boolean; serverId?: number } = {},
): Buffer {
  const b = Buffer.from(body);
  const size = 19 + b.length + (opts.crc ? 4 : 0);
  const h = Buffer.alloc(19);
  h.writeUInt32LE(1700000000, 0);
  h[4] = type;
  h.writeUInt32LE(opts.serverId ?? 1, 5);
  h.writeUInt32LE(size, 9);
  h.writeUInt32LE(1000, 13);
  h.writeUInt16LE(0, 17);
  const ev = Buffer.concat([h, b]);
  if (!opts.crc) return ev;
  const c = Buffer.alloc(4);
  c.writeUInt32LE(crc32(ev));
  return Buffer.concat([ev, c]);
}

function fde(serverVersion: string, checksumAlg: number): Buffer {
  const lens = new Array<number>(171).fill(0);
  const set = (t: number, v: number): void => {
    lens[t - 1] = v;
  };
  set(E.QUERY, 13);
  set(E.ROTATE, 8);
  set(E.TABLE_MAP, 8);
  for (const t of [23, 24, 25, 166, 167, 168]) set(t, 8);
  for (const t of [30, 31, 32, 39, 169, 170, 171]) set(t, 10);
  set(E.MARIADB_GTID, 19);
  const v = Buffer.alloc(50);
  v.write(serverVersion);
  const body = Buffer.concat([
    Buffer.from([4, 0]),
    v,
    Buffer.from([0, 0, 0, 0, 19]),
    Buffer.from(lens),
    Buffer.from([checksumAlg]),
  ]);
  return event(E.FORMAT_DESCRIPTION, body, { crc: true });
}

const u16 = (v: number): number[] => [v & 0xff, v >> 8];
const u32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const u64 = (v: bigint): number[] => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return [...b];
};
const str = (s: string): number[] => [...Buffer.from(s)];

function tableMap(tableId: number, crc: boolean, optional = true): Buffer {
  // test.t (id INT, name VARCHAR(10) utf8mb4, price DECIMAL(5,2)); optional SIGNEDNESS + COLUMN_CHARSET + names
  const body = [
    ...u32(tableId),
    0,
    0,
    ...u16(1),
    4,
    ...str('test'),
    0,
    1,
    ...str('t'),
    0,
    3,
    3,
    15,
    246,
    4, // metadata length
    40,
    0,
    5,
    2,
    0b110, // nullability
  ];
  const opt = [
    1, // SIGNEDNESS: id unsigned, price signed
    1,
    0b10000000,
    3, // COLUMN_CHARSET: utf8mb4_0900_ai_ci (255 = 0xfc 0xff 0x00)
    3,
    0xfc,
    255,
    0,
    4, // COLUMN_NAME
    14,
    2,
    ...str('id'),
    4,
    ...str('name'),
    5,
    ...str('price'),
  ];
  return event(E.TABLE_MAP, optional ? [...body, ...opt] : body, { crc });
}

function rowsBody(tableId: number): number[] {
  // one row: id=4294967295 (unsigned), name='héllo', price NULL
  const name = str('héllo');
  return [...u32(tableId), 0, 0, ...u16(1), 3, 0b111, 0b100, ...u32(0xffffffff), name.length, ...name];
}

function decodeAll(d: BinlogDecoder, events: Buffer[]): BinlogEvent[] {
  return events.map((e, i) => d.decode(e, { file: 'test-bin.000001', pos: 4 + i }));
}

test('MySQL: FDE with CRC32, table map optional metadata, rows v2 with unsigned and charset', () => {
  const d = new BinlogDecoder();
  const evs = decodeAll(d, [
    fde('8.0.36', 1),
    tableMap(42, true),
    event(E.WRITE_ROWS_V2, [...rowsBody(42).slice(0, 8), 2, 0, ...rowsBody(42).slice(8)], { crc: true }),
  ]);
  const [f, tm, rows] = evs;
  assert.equal(f?.type, 'formatDescription');
  assert.equal(f.type === 'formatDescription' && f.checksumAlg, 1);
  assert.equal(tm?.type, 'tableMap');
  if (tm?.type !== 'tableMap') return;
  assert.deepEqual(tm.optionalMetadata.columnNames, ['id', 'name', 'price']);
  assert.deepEqual(tm.columnTypesMapped, [
    { kind: 'integer', bytes: 4, unsigned: true },
    { kind: 'string', length: 10, fixed: false, charset: 'utf8mb4' },
    { kind: 'decimal', precision: 5, scale: 2 },
  ]);
  assert.equal(rows?.type, 'rows');
  if (rows?.type !== 'rows') return;
  assert.equal(rows.kind, 'write');
  assert.equal(rows.version, 2);
  assert.equal(rows.flags & 1, 1);
  assert.deepEqual(rows.rows, [{ after: [4294967295, 'héllo', null] }]);
});

test('UPDATE rows: unchanged columns of the after image equal the before image, changed ones decode', () => {
  const d = new BinlogDecoder();
  d.decode(fde('8.0.36', 1));
  d.decode(tableMap(42, true));
  const image = (id: number, name: string, price: number[] | null): number[] => {
    const n = str(name);
    return [price === null ? 0b100 : 0, ...u32(id), n.length, ...n, ...(price ?? [])];
  };
  const p150 = [0x80, 0x01, 50]; // DECIMAL(5,2) 1.50
  const p225 = [0x80, 0x02, 25]; // 2.25
  const body = [
    ...u32(42),
    0,
    0,
    ...u16(1),
    ...u16(2), // no extra data
    3,
    0b111,
    0b111,
    ...image(1, 'héllo', p150),
    ...image(2, 'héllo', p150), // id changed, name and price not
    ...image(3, 'abc', null),
    ...image(3, 'abd', p225), // same length, last byte differs; NULL → value
    ...image(3, 'x', p225),
    ...image(3, 'xy', p225), // longer: the length byte differs
    ...image(4, 'same', p225),
    ...image(4, 'same', null), // value → NULL
  ];
  const ev = d.decode(event(E.UPDATE_ROWS_V2, body, { crc: true }));
  assert.equal(ev.type, 'rows');
  assert.deepEqual(ev.type === 'rows' && ev.rows, [
    { before: [1, 'héllo', '1.50'], after: [2, 'héllo', '1.50'] },
    { before: [3, 'abc', null], after: [3, 'abd', '2.25'] },
    { before: [3, 'x', '2.25'], after: [3, 'xy', '2.25'] },
    { before: [4, 'same', '2.25'], after: [4, 'same', null] },
  ]);
});

test('a rows event large enough to batch its texts: values, repeats and NULs as one by one', () => {
  const image = (id: number, name: string | null): number[] => {
    const n = str(name ?? '');
    return name === null ? [0b110, ...u32(id)] : [0b100, ...u32(id), n.length, ...n];
  };
  const nonAscii = ['plain', 'héllo', '東京 tower', 'emoji🌊', '', 'nul\u0000inside', 'x'.repeat(40)];
  const ascii = ['plain', 'hello', 'tokyo', '', 'nul\u0000inside', 'x'.repeat(40), 'y'];
  for (const names of [nonAscii, ascii]) {
    const expected: { before: unknown[]; after: unknown[] }[] = [];
    const body = [...u32(42), 0, 0, ...u16(1), ...u16(2), 3, 0b111, 0b111];
    for (let i = 0; i < 120; i++) {
      const before = i % 11 === 0 ? null : names[i % names.length]!;
      // every third row keeps its name (the after image repeats the before value), the rest change it
      const after = i % 3 === 0 ? before : names[(i * 5 + 1) % names.length]!;
      body.push(...image(i, before), ...image(i + 1000, after));
      expected.push({ before: [i, before, null], after: [i + 1000, after, null] });
    }
    assert.ok(body.length > 2048); // large enough for the batch (TEXT_BATCH_MIN_BYTES)
    const d = new BinlogDecoder();
    d.decode(fde('8.0.36', 1));
    d.decode(tableMap(42, true));
    const ev = d.decode(event(E.UPDATE_ROWS_V2, body, { crc: true }));
    assert.equal(ev.type, 'rows');
    assert.deepEqual(ev.type === 'rows' && ev.rows, expected);
  }
});

test('a CRC mismatch throws SOURCE_BINLOG_DECODE naming the position', () => {
  const d = new BinlogDecoder();
  d.decode(fde('8.0.36', 1));
  const tm = tableMap(42, true);
  tm[25] = tm[25]! ^ 0xff;
  assert.throws(
    () => d.decode(tm, { file: 'binlog.000007', pos: 4711 }),
    (e: unknown) =>
      isTidemarkError(e) &&
      e.code === 'SOURCE_BINLOG_DECODE' &&
      /binlog\.000007:4711/.test(e.message) &&
      /CRC32/.test(e.message),
  );
});

test('rows event without its table map, and truncated rows, fail clearly', () => {
  const d = new BinlogDecoder();
  d.decode(fde('8.0.36', 0));
  assert.throws(
    () => d.decode(event(E.WRITE_ROWS_V1, rowsBody(7)), { file: 'b.1', pos: 10 }),
    /without a preceding Table_map.*|Table_map/,
  );
  d.decode(tableMap(7, false));
  const body = rowsBody(7);
  assert.throws(
    () => d.decode(event(E.WRITE_ROWS_V1, body.slice(0, body.length - 2)), { file: 'b.1', pos: 99 }),
    (e: unknown) => isTidemarkError(e) && /b\.1:99/.test(e.message),
  );
});

test('caller column types fill gaps when the Table_map has no optional metadata', () => {
  const d = new BinlogDecoder({
    columnTypesFor: (schema, table) =>
      schema === 'test' && table === 't'
        ? [
            { kind: 'integer', bytes: 4, unsigned: true },
            { kind: 'string', charset: 'latin1' },
            { kind: 'decimal', precision: 5, scale: 2 },
          ]
        : undefined,
  });
  d.decode(fde('5.7.40-log', 0));
  d.decode(tableMap(9, false, false));
  const rows = d.decode(
    event(E.WRITE_ROWS_V1, [...u32(9), 0, 0, 1, 0, 3, 0b111, 0b100, ...u32(0xffffffff), 1, 0xe9]),
  );
  assert.equal(rows.type, 'rows');
  if (rows.type === 'rows') assert.deepEqual(rows.rows[0]?.after, [4294967295, 'é', null]);
});

test('MariaDB: GTID, GTID list, binlog checkpoint, annotate rows, compressed rows and query', () => {
  const d = new BinlogDecoder();
  d.decode(fde('10.11.6-MariaDB-log', 0));
  const gtid = d.decode(event(E.MARIADB_GTID, [...u64(77n), ...u32(3), 0x03, ...u64(12n)], { serverId: 5 }));
  assert.deepEqual(
    gtid.type === 'gtid' &&
      gtid.flavor === 'mariadb' && [gtid.gtid, gtid.standalone, gtid.commitId, gtid.serverId],
    ['3-5-77', true, 12n, 5],
  );
  const list = d.decode(event(E.MARIADB_GTID_LIST, [...u32(1), ...u32(0), ...u32(1), ...u64(100n)]));
  assert.deepEqual(list.type === 'mariadbGtidList' && list.gtids, [
    { domainId: 0, serverId: 1, seqNo: 100n },
  ]);
  const cp = d.decode(event(E.MARIADB_BINLOG_CHECKPOINT, [...u32(10), ...str('bin.000001')]));
  assert.deepEqual(cp.type === 'mariadbBinlogCheckpoint' && cp.file, 'bin.000001');
  const ann = d.decode(event(E.MARIADB_ANNOTATE_ROWS, str('INSERT INTO t VALUES (1)')));
  assert.equal(ann.type === 'mariadbAnnotateRows' && ann.sql, 'INSERT INTO t VALUES (1)');

  d.decode(tableMap(5, false));
  const body = rowsBody(5);
  const head = body.slice(0, 10); // table id, flags, column count, present bitmap
  const rowData = Buffer.from(body.slice(10));
  const compressed = Buffer.concat([Buffer.from([0x81, rowData.length]), deflateSync(rowData)]);
  const rows = d.decode(event(E.MARIADB_WRITE_ROWS_COMPRESSED_V1, [...head, ...compressed]));
  assert.equal(rows.type, 'rows');
  if (rows.type === 'rows') {
    assert.equal(rows.compressed, true);
    assert.deepEqual(rows.rows, [{ after: [4294967295, 'héllo', null] }]);
  }

  const sql = Buffer.from('CREATE TABLE t (id INT)');
  const qc = Buffer.concat([Buffer.from([0x81, sql.length]), deflateSync(sql)]);
  const statusVars = [4, ...u16(33), ...u16(33), ...u16(8), 5, 6, ...str('+00:00')];
  const q = d.decode(
    event(E.MARIADB_QUERY_COMPRESSED, [
      ...u32(9),
      ...u32(0),
      4,
      ...u16(0),
      ...u16(statusVars.length),
      ...statusVars,
      ...str('test'),
      0,
      ...qc,
    ]),
  );
  assert.equal(q.type, 'query');
  if (q.type === 'query') {
    assert.equal(q.sql, 'CREATE TABLE t (id INT)');
    assert.equal(q.schema, 'test');
    assert.equal(q.statusVars.charsetClient, 33);
    assert.equal(q.statusVars.collationServer, 8);
    assert.equal(q.statusVars.timeZone, '+00:00');
  }
});

test('MySQL GTID, XID, rotate, heartbeat, stop, unknown', () => {
  const d = new BinlogDecoder();
  d.decode(fde('8.0.36', 0));
  const sid = Buffer.from('3e11fa47717111e19e330800200c9a66', 'hex');
  const g = d.decode(event(E.GTID, [1, ...sid, ...u64(23n), 2, ...u64(5n), ...u64(6n)]));
  assert.equal(g.type, 'gtid');
  if (g.type === 'gtid' && g.flavor === 'mysql') {
    assert.equal(g.uuid, '3e11fa47-7171-11e1-9e33-0800200c9a66');
    assert.equal(g.gno, 23n);
    assert.equal(g.lastCommitted, 5n);
    assert.equal(g.sequenceNumber, 6n);
  }
  assert.deepEqual(d.decode(event(E.XID, u64(991n))).type === 'xid' && 991n, 991n);
  const r = d.decode(event(E.ROTATE, [...u64(4n), ...str('binlog.000002')]));
  assert.deepEqual(r.type === 'rotate' && [r.nextFile, r.position], ['binlog.000002', 4]);
  const hb = d.decode(event(E.HEARTBEAT, str('binlog.000002')));
  assert.deepEqual(hb.type === 'heartbeat' && [hb.logFile, hb.position], ['binlog.000002', 1000]);
  assert.equal(d.decode(event(E.STOP, [])).type, 'stop');
  const u = d.decode(event(E.VIEW_CHANGE, [1, 2, 3]));
  assert.deepEqual(u.type === 'unknown' && [u.typeCode, [...u.body]], [E.VIEW_CHANGE, [1, 2, 3]]);
});

test('HEARTBEAT_LOG_EVENT_V2 decodes like HEARTBEAT, with the 64-bit position of its body', () => {
  const d = new BinlogDecoder();
  d.decode(fde('8.0.36', 1));
  // Byte for byte as MySQL 8.0.26+ sends it (codecs::binary::Heartbeat::encode): header with
  // timestamp 0, then type/length/value fields with packed integers, then the end mark 0, CRC32.
  const bytes = Buffer.from(
    [
      '00000000', // timestamp
      '29', // type 41
      '01000000', // server id 1
      '32000000', // event size 50
      '00000000', // log_pos (the 32-bit field cannot hold it)
      '0000', // flags
      '01', // OTW_HB_LOG_FILENAME_FIELD
      '0d', // length 13
      Buffer.from('binlog.000007').toString('hex'),
      '02', // OTW_HB_LOG_POSITION_FIELD
      '09', // length of the packed position
      'fe00f2052a01000000', // packed 5000000000 (0xfe + 8 bytes)
      '00', // OTW_HB_HEADER_END_MARK
    ].join(''),
    'hex',
  );
  const ev = Buffer.concat([bytes, Buffer.from(u32(crc32(bytes)))]);
  assert.equal(ev.length, 50);
  const hb = d.decode(ev);
  assert.equal(hb.type, 'heartbeat');
  assert.deepEqual(hb.type === 'heartbeat' && [hb.header.typeCode, hb.logFile, hb.position], [
    E.HEARTBEAT_V2,
    'binlog.000007',
    5000000000,
  ]);
  // A small position (one packed byte), an unknown field (skipped by its length), no end mark.
  const small = d.decode(
    event(E.HEARTBEAT_V2, [0x07, 2, 0xaa, 0xbb, 1, 3, ...str('b.1'), 2, 1, 0xfa], { crc: true }),
  );
  assert.deepEqual(small.type === 'heartbeat' && [small.logFile, small.position], ['b.1', 250]);
  // Only the end mark: the header's log_pos stands in.
  const bare = d.decode(event(E.HEARTBEAT_V2, [0], { crc: true }));
  assert.deepEqual(bare.type === 'heartbeat' && [bare.logFile, bare.position], ['', 1000]);
  // A position field whose packed integer does not fill its length is an error, not a guess.
  assert.throws(
    () => d.decode(event(E.HEARTBEAT_V2, [2, 3, 0x05, 0, 0, 0], { crc: true })),
    /heartbeat log position field/,
  );
});

const rawDir = join(fixtures, 'raw');
const truncated = join(
  rawDir,
  'blackbeam__rust_mysql_common__test-data__binlogs__binlog_truncated_event.000001',
);

test(
  'whole captured binlog files decode; a truncated one fails with a clear error',
  { skip: existsSync(rawDir) ? false : `the captured binlog corpus is not here: ${rawDir} not found` },
  () => {
    const files = [
      'blackbeam__rust_mysql_common__test-data__binlogs__binlog_transaction_with_GTID.000001',
      'blackbeam__rust_mysql_common__test-data__binlogs__mariadb-bin.000001',
      'blackbeam__rust_mysql_common__test-data__binlogs__json.binlog.000001',
      'blackbeam__rust_mysql_common__test-data__binlogs__update-partial-row.binlog',
    ];
    for (const f of files) {
      const path = join(rawDir, f);
      if (!existsSync(path)) continue;
      const buf = readFileSync(path);
      const d = new BinlogDecoder();
      let p = 4;
      while (p + 19 <= buf.length) {
        const size = buf.readUInt32LE(p + 9);
        d.decode(buf.subarray(p, p + size), { file: f, pos: p });
        p += size;
      }
    }
    if (existsSync(truncated)) {
      const buf = readFileSync(truncated);
      const d = new BinlogDecoder();
      assert.throws(() => {
        let p = 4;
        while (p < buf.length) {
          const size = p + 13 <= buf.length ? buf.readUInt32LE(p + 9) : buf.length - p;
          d.decode(buf.subarray(p, p + size), { file: 'truncated', pos: p });
          p += size;
        }
      }, isTidemarkError);
    }
  },
);

test('a repeated identical Table_map reuses its plans; skipRowsOf returns rows: [] for skipped tables', () => {
  let skip = false;
  const d = new BinlogDecoder({ skipRowsOf: (schema, table) => skip && schema === 'test' && table === 't' });
  d.decode(fde('8.0.36', 1));
  const rowsEv = event(E.WRITE_ROWS_V2, [...rowsBody(42).slice(0, 8), 2, 0, ...rowsBody(42).slice(8)], {
    crc: true,
  });
  const tm1 = d.decode(tableMap(42, true));
  const tm2 = d.decode(tableMap(42, true));
  assert.ok(tm1.type === 'tableMap' && tm2.type === 'tableMap');
  assert.notEqual(tm1, tm2);
  assert.equal(tm1.columns, tm2.columns);
  assert.equal(d.tableMap(42n), tm2);
  const r1 = d.decode(rowsEv);
  assert.deepEqual(r1.type === 'rows' && r1.rows, [{ after: [4294967295, 'héllo', null] }]);
  skip = true;
  d.decode(tableMap(42, true));
  const r2 = d.decode(rowsEv);
  assert.ok(r2.type === 'rows');
  assert.deepEqual([r2.schema, r2.table, r2.rows], ['test', 't', []]);
});

test('caller column types that change make a repeated Table_map rebuild its plans', () => {
  let charset = 'latin1';
  const d = new BinlogDecoder({
    columnTypesFor: () => [
      { kind: 'integer', bytes: 4, unsigned: true },
      { kind: 'string', charset },
      { kind: 'decimal', precision: 5, scale: 2 },
    ],
  });
  d.decode(fde('5.7.40-log', 0));
  const rows = event(E.WRITE_ROWS_V1, [...u32(9), 0, 0, 1, 0, 3, 0b111, 0b100, ...u32(1), 2, 0xc3, 0xa9]);
  d.decode(tableMap(9, false, false));
  const a = d.decode(rows);
  charset = 'utf8mb4';
  d.decode(tableMap(9, false, false));
  const b = d.decode(rows);
  assert.deepEqual(a.type === 'rows' && a.rows[0]?.after, [1, 'Ã©', null]);
  assert.deepEqual(b.type === 'rows' && b.rows[0]?.after, [1, 'é', null]);
});

test(
  'TRANSACTION_PAYLOAD (zstd) fixtures decode to their inner events',
  { skip: existsSync(fixtures) ? false : `the captured binlog corpus is not here: ${fixtures} not found` },
  () => {
    const found: string[] = [];
    for (const c of ['case-068', 'case-217']) {
      const path = join(fixtures, 'cases', c, 'events.bin');
      if (!existsSync(path)) continue;
      const bin = readFileSync(path);
      const d = new BinlogDecoder();
      let p = 4;
      while (p < bin.length) {
        const size = bin.readUInt32LE(p + 9);
        const ev = d.decode(bin.subarray(p, p + size), { file: c, pos: p });
        if (ev.type === 'transactionPayload') {
          assert.equal(ev.compression, 0);
          const types = (ev.events ?? []).map((e) => e.type);
          assert.deepEqual(types, ['query', 'tableMap', 'rows', 'xid']);
          const rows = ev.events?.find((e) => e.type === 'rows');
          if (rows?.type === 'rows')
            found.push(`${c} ${rows.schema}.${rows.table} ${rows.kind} ${rows.rows.length}`);
          if (c === 'case-217' && rows?.type === 'rows') {
            assert.equal(rows.rows[0]?.before?.[4], 'Western');
            assert.equal(rows.rows[0]?.after?.[4], 'Western|Action');
          }
        }
        p += size;
      }
    }
    assert.deepEqual(found, ['case-068 test.tb1 write 1', 'case-217 demo.movies update 1']);
  },
);

/** A Table_map of test.f with the given column types and metadata bytes, and raw optional metadata. */
function tableMapOf(tableId: number, types: number[], meta: number[], opt: number[]): Buffer {
  const n = types.length;
  const body = [
    ...u32(tableId),
    0,
    0,
    ...u16(1),
    4,
    ...str('test'),
    0,
    1,
    ...str('f'),
    0,
    n,
    ...types,
    meta.length,
    ...meta,
    ...new Array<number>((n + 7) >> 3).fill(0xff),
    ...opt,
  ];
  return event(E.TABLE_MAP, body, { crc: true });
}

test("the optional metadata's per-kind lists follow the flavor: MariaDB counts YEAR as numeric, GEOMETRY as character", () => {
  // (yr YEAR, m MEDIUMINT, g GEOMETRY, v VARCHAR(10)); SIGNEDNESS and DEFAULT_CHARSET as each flavor
  // writes them for this table: MariaDB has a bit for YEAR (unsigned) and a charset entry for GEOMETRY.
  const types = [13, 9, 255, 15];
  const meta = [4, 10, 0];
  const mariadbMap = tableMapOf(7, types, meta, [1, 1, 0b10000000, 2, 3, 63, 1, 8]);
  const mysqlMap = tableMapOf(7, types, meta, [1, 1, 0b00000000, 2, 1, 8]);
  // (2024, -7, an empty GEOMETRY, 'x')
  const row = [0, 124, 0xf9, 0xff, 0xff, ...u32(0), 1, 0x78];
  const rows = event(E.WRITE_ROWS_V1, [...u32(7), 0, 0, ...u16(0), 4, 0b1111, ...row], { crc: true });
  for (const [server, map] of [
    ['10.11.6-MariaDB-log', mariadbMap],
    ['8.0.36', mysqlMap],
  ] as const) {
    const d = new BinlogDecoder();
    const [, tm, r] = decodeAll(d, [fde(server, 1), map, rows]);
    assert.ok(tm?.type === 'tableMap' && r?.type === 'rows', server);
    assert.deepEqual(
      tm.columns.map((c) => [c.unsigned, c.collationId]),
      [
        [server.includes('MariaDB') ? true : undefined, undefined],
        [false, undefined],
        [undefined, server.includes('MariaDB') ? 63 : undefined],
        [undefined, 8],
      ],
      server,
    );
    assert.deepEqual(r.rows, [{ after: [2024, -7, new Uint8Array(0), 'x'] }], server);
  }
});

test('a skipped table never fails on what the decoder does not know; a captured one names table and column', () => {
  // (v VARCHAR(10), e ENUM('a','b')), both in a collation id no server has: 9999
  const unknown = [0xfc, 0x0f, 0x27];
  const opt = [2, 3, ...unknown, 10, 3, ...unknown, 6, 5, 2, 1, 0x61, 1, 0x62];
  const map = tableMapOf(8, [15, 254], [10, 0, 0xf7, 1], opt);
  const rows = event(E.WRITE_ROWS_V1, [...u32(8), 0, 0, ...u16(0), 2, 0b11, 0, 1, 0x78, 1], { crc: true });
  let skip = true;
  const d = new BinlogDecoder({ skipRowsOf: () => skip });
  const [, tm, r] = decodeAll(d, [fde('10.11.6-MariaDB-log', 1), map, rows]);
  assert.ok(tm?.type === 'tableMap' && r?.type === 'rows');
  assert.deepEqual([r.schema, r.table, r.rows], ['test', 'f', []]);
  skip = false;
  assert.throws(
    () =>
      d.decode(tableMapOf(8, [15, 254], [10, 0, 0xf7, 1], opt.slice(0, 5)), {
        file: 'test-bin.000001',
        pos: 800,
      }),
    (e: unknown) => isTidemarkError(e) && /800: test\.f column @1: unknown collation id 9999/.test(e.message),
  );
  assert.throws(
    () => d.decode(map, { file: 'test-bin.000001', pos: 900 }),
    (e: unknown) =>
      isTidemarkError(e) &&
      /test-bin\.000001:900: test\.f: column @2 member names: unknown collation id 9999/.test(e.message),
  );
});
