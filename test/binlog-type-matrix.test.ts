// Live type matrix: every MySQL/MariaDB type family with its edge values, written by INSERT,
// UPDATE and DELETE on a private MariaDB, read back from the binlog (BinlogClient + BinlogDecoder)
// and compared value by value with what a snapshot SELECT of the same rows gives (the snapshot
// reader's conversion: session time_zone '+00:00', exact text). Repeated on servers with
// log_bin_compress=ON, binlog_row_image=MINIMAL and binlog_row_image=NOBLOB.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { Connection } from 'mysql2/promise';
import type { Row } from '../src/event/change-event.js';
import { formatColumnType, type Value } from '../src/event/column-type.js';
import type { TableSchema } from '../src/event/table-schema.js';
import { tableId } from '../src/event/table-schema.js';
import { BinlogClient } from '../src/connectors/mysql/binlog-client.js';
import { BinlogDecoder } from '../src/connectors/mysql/binlog/binlog-decoder.js';
import type { RowImage } from '../src/connectors/mysql/binlog/binlog-event.js';
import {
  openMysqlConnection,
  type MysqlConnectionOptions,
} from '../src/connectors/mysql/mysql-connection.js';
import { loadTableSchemas } from '../src/connectors/mysql/schema-loader.js';
import { currentBinlogPosition } from '../src/connectors/mysql/server-checks.js';
import { readTableSnapshot } from '../src/connectors/mysql/snapshot-reader.js';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';

const DB = 'matrix';
const BIG = 20 * 1024 * 1024;

/** One table per type family: DDL columns after `id INT PRIMARY KEY`, and rows as SQL tuples. */
interface Family {
  readonly table: string;
  readonly columns: string;
  /** Values after the id, one string per row. */
  readonly rows: readonly string[];
  /** UPDATE ... SET clause applied to every row (changes some columns only). */
  readonly update: string;
  /** BLOB/TEXT columns (absent from NOBLOB images unless changed). */
  readonly blobs?: readonly string[];
}

const FAMILIES: readonly Family[] = [
  {
    table: 'ints',
    columns: `ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT,
      miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, b BOOLEAN`,
    rows: [
      '-128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0',
      '127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 1',
      '-1, 1, -1, 1, -1, 1, -1, 1, -1, 1, 1',
      'NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL',
    ],
    update: 'ti = IFNULL(-ti, 5), biu = 18446744073709551614',
  },
  {
    table: 'numbers',
    columns: `d65 DECIMAL(65,30), d10 DECIMAL(10,2), du DECIMAL(10,2) UNSIGNED, d0 DECIMAL(18,0),
      f FLOAT, d DOUBLE, y YEAR`,
    rows: [
      "'99999999999999999999999999999999999.999999999999999999999999999999', 99999999.99, 99999999.99, 999999999999999999, 3.40282e38, 1.7976931348623157e308, 2155",
      "'-99999999999999999999999999999999999.999999999999999999999999999999', -99999999.99, 0, -999999999999999999, -1.17549e-38, -2.2250738585072014e-308, 1901",
      "'0.000000000000000000000000000001', -0.01, 0.01, 0, 16777217, 5e-324, 0",
      '0, 0, 0, 1, 0.1, 0.1, 2024',
      'NULL, NULL, NULL, NULL, NULL, NULL, NULL',
    ],
    update: "d10 = IFNULL(-d10, 1.5), f = 1.5, d65 = '-1.000000000000000000000000000001'",
  },
  {
    table: 'temporal',
    columns: `dt DATE, t0 TIME, t1 TIME(1), t2 TIME(2), t3 TIME(3), t4 TIME(4), t5 TIME(5), t6 TIME(6),
      dt0 DATETIME, dt1 DATETIME(1), dt3 DATETIME(3), dt6 DATETIME(6),
      ts0 TIMESTAMP NULL, ts1 TIMESTAMP(1) NULL, ts2 TIMESTAMP(2) NULL, ts3 TIMESTAMP(3) NULL,
      ts4 TIMESTAMP(4) NULL, ts5 TIMESTAMP(5) NULL, ts6 TIMESTAMP(6) NULL`,
    rows: [
      "'0000-00-00', '-838:59:59', '-838:59:58.9', '-00:00:00.01', '-00:00:01.001', '-12:34:56.7891', '-100:00:00.00001', '-838:59:58.999999', '0000-00-00 00:00:00', '0000-00-00 00:00:00.0', '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'",
      "'9999-12-31', '838:59:59', '838:59:58.9', '23:59:59.99', '24:00:00.001', '99:59:59.9999', '00:00:00.00001', '838:59:58.999999', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.999999', '2038-01-19 08:44:07', '2038-01-19 08:44:07.9', '2038-01-19 08:44:07.99', '2038-01-19 08:44:07.999', '2038-01-19 08:44:07.9999', '2038-01-19 08:44:07.99999', '2038-01-19 08:44:07.999999'",
      "'1000-01-01', '00:00:00', '00:00:00.0', '-00:00:00.5', '00:00:00.000', '-00:00:00.0001', '12:00:00', '-00:00:00.000001', '1000-01-01 00:00:00', '1000-01-01 00:00:00.1', '1000-01-01 00:00:00.001', '1000-01-01 00:00:00.000001', '1970-01-01 05:30:01', '1970-01-01 05:30:01.1', '1970-01-01 05:30:01.01', '1970-01-01 05:30:01.001', '1970-01-01 05:30:01.0001', '1970-01-01 05:30:01.00001', '1970-01-01 05:30:01.000001'",
      "'2024-02-29', '-01:00:00', '01:00:00.5', '-23:59:59.99', '00:00:01', '00:00:00', '-00:00:00.5', '00:00:00.5', '2024-02-29 12:34:56', '2024-02-29 12:34:56.5', '2024-02-29 12:34:56.789', '2024-02-29 12:34:56.123456', '2024-03-31 07:30:00', '2024-10-27 02:30:00.5', '2000-01-01 00:00:00.01', '2000-01-01 00:00:00.001', '2000-01-01 00:00:00.0001', '2000-01-01 00:00:00.00001', '2000-01-01 00:00:00.000001'",
      'NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL',
    ],
    update: "t6 = '-00:00:00.000002', dt6 = '2001-02-03 04:05:06.000007', ts6 = '2001-02-03 04:05:06.000007'",
  },
  {
    table: 'strings',
    columns: `v4 VARCHAR(20) CHARACTER SET utf8mb4, c4 CHAR(10) CHARACTER SET utf8mb4,
      c100 CHAR(100) CHARACTER SET utf8mb4, v3 VARCHAR(20) CHARACTER SET utf8mb3,
      c3 CHAR(5) CHARACTER SET utf8mb3, l1 VARCHAR(20) CHARACTER SET latin1,
      cl CHAR(5) CHARACTER SET latin1, vbin VARCHAR(10) CHARACTER SET binary,
      v300 VARCHAR(300) CHARACTER SET utf8mb4, vb VARBINARY(20), b8 BINARY(8),
      e ENUM('a', 'ü', '😀', 'z z') CHARACTER SET utf8mb4, s SET('x', 'y', 'ñ') CHARACTER SET utf8mb4,
      el ENUM('é', 'b') CHARACTER SET latin1, bit1 BIT(1), bit10 BIT(10), bit64 BIT(64)`,
    rows: [
      "'😀 emoji 𝄞', '😀😀', REPEAT('ü', 100), 'ümlaut €', 'ñ€', 'café ÿ', 'é', 'ab\\0c', REPEAT('😀', 300), X'00FF0080', X'0102000000000000', '😀', 'x,ñ', 'é', b'1', b'1111111111', b'1111111111111111111111111111111111111111111111111111111111111111'",
      "'', '', '', '', '', '', '', '', '', '', X'0000000000000000', 'a', '', 'b', b'0', b'0', b'0'",
      "'trailing  ', 'sp  ', 'x', ' lead', ' ', 'tab\\t', ' ', X'00', 'a', X'00', X'00', 'z z', 'x,y,ñ', 'é', b'0', b'1000000001', b'1000000000000000000000000000000000000000000000000000000000000001'",
      'NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL',
    ],
    update: "v4 = CONCAT(IFNULL(v4, ''), '✓'), b8 = X'FF', bit64 = b'0'",
  },
  {
    table: 'blobs',
    columns: `tb TINYBLOB, b BLOB, mb MEDIUMBLOB, lb LONGBLOB, tt TINYTEXT CHARACTER SET utf8mb4,
      tx TEXT CHARACTER SET latin1, mt MEDIUMTEXT CHARACTER SET utf8mb4, lt LONGTEXT CHARACTER SET utf8mb4,
      j JSON, g POINT, n INT`,
    rows: [
      `X'00FF', X'000000', REPEAT('b', 70000), REPEAT('L', ${BIG}), '😀', 'ÿé', REPEAT('ü', 40000), '𝄞', '{"a": [1, 2.5, "😀", null, true], "b": {"c": 18446744073709551615}}', ST_GeomFromText('POINT(1.5 -2.25)', 4326), 1`,
      "'', '', '', '', '', '', '', '', '[]', ST_GeomFromText('POINT(0 0)'), 2",
      'NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 3',
    ],
    update: 'n = n + 10',
    // (MariaDB's NOBLOB keeps GEOMETRY columns)
    blobs: ['tb', 'b', 'mb', 'lb', 'tt', 'tx', 'mt', 'lt', 'j'],
  },
  {
    // MariaDB's own types: the binlog carries their bytes (trailing zero bytes stripped)
    table: 'mariadb_types',
    columns: 'u UUID, i6 INET6, un UUID NULL',
    rows: [
      "'f47ac10b-58cc-4372-a567-0e02b2c3d479', '::1', NULL",
      "'6ccd780c-baba-1026-9564-5b8c656024db', '::ffff:1.2.3.4', '00000000-0000-0000-0000-000000000000'",
      "'11223344-5566-1788-8899-aabbccddee00', '2001:db8::ff00:42:8329', 'ffffffff-ffff-ffff-ffff-ffffffffffff'",
      "'00000000-0000-0000-0000-000000000000', '::', NULL",
      "'11223344-5566-7788-c899-000000000000', 'fe80::', '11223344-5566-1788-0899-aabbccddeeff'",
    ],
    update: "i6 = '1::2:3:4:5:6:7', un = '01234567-89ab-1def-8123-456789abcdef'",
  },
];

type Mode = 'FULL' | 'compressed' | 'MINIMAL' | 'NOBLOB';
const MODES: Record<Mode, Record<string, string>> = {
  FULL: {},
  compressed: { log_bin_compress: 'ON', log_bin_compress_min_len: '10' },
  MINIMAL: { binlog_row_image: 'MINIMAL' },
  NOBLOB: { binlog_row_image: 'NOBLOB' },
};

const servers = new Map<Mode, Promise<MariaDbInstance>>();

before(() => {
  // Start all four servers at once (each takes ~1-2 s).
  for (const [mode, serverOptions] of Object.entries(MODES) as [Mode, Record<string, string>][]) {
    const p = startMariaDb({ serverOptions: { ...serverOptions, max_allowed_packet: '64M' } });
    p.catch(() => undefined);
    servers.set(mode, p);
  }
});

after(async () => {
  for (const p of servers.values()) await (await p.catch(() => undefined))?.stop();
});

function show(v: Value | undefined): string {
  const n = norm(v);
  if (typeof n === 'string') return JSON.stringify(n.length > 80 ? `${n.slice(0, 80)}…` : n);
  return typeof n === 'bigint' ? `${n}n` : String(n);
}

/** A comparable form of a value: bytes as hex, the rest as is. */
function norm(v: Value | undefined): unknown {
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
  return v;
}

interface Expected {
  readonly table: string;
  readonly kind: 'write' | 'update' | 'delete';
  readonly before?: Row;
  readonly after?: Row;
  /** Columns the statement changed (UPDATE). */
  readonly changed?: readonly string[];
}

interface Decoded {
  readonly table: string;
  readonly kind: 'write' | 'update' | 'delete';
  readonly before?: RowImage;
  readonly after?: RowImage;
  readonly compressed: boolean;
}

async function snapshotRows(conn: Connection, table: string, schema: TableSchema): Promise<Map<number, Row>> {
  const out = new Map<number, Row>();
  for await (const batch of readTableSnapshot(conn, tableId(DB, table), schema, { fetchSize: 100 })) {
    for (const r of batch) out.set(Number(r[0]), r);
  }
  return out;
}

async function runMatrix(mode: Mode): Promise<void> {
  const db = await servers.get(mode)!;
  await db.createCdcUser('matrix', 'matrix-pw');
  const cdc: MysqlConnectionOptions = {
    host: db.host,
    port: db.port,
    user: 'matrix',
    password: 'matrix-pw',
  };
  // The writer: the server's own zone (+05:30), no strict mode (zero dates), big packets.
  const writer = await db.connect();
  await writer.query("SET SESSION sql_mode = ''");
  await writer.query(`CREATE DATABASE ${DB} CHARACTER SET utf8mb4`);
  for (const f of FAMILIES) {
    await writer.query(`CREATE TABLE ${DB}.${f.table} (id INT PRIMARY KEY, ${f.columns})`);
  }
  const reader = await openMysqlConnection({ ...cdc, user: db.rootUser, password: db.rootPassword });
  const schemas = await loadTableSchemas(
    reader,
    FAMILIES.map((f) => ({ schemaName: DB, tableName: f.table })),
  );
  const schemaOf = (t: string): TableSchema => schemas.get(`${DB}.${t}`)!;
  const start = await currentBinlogPosition(reader);

  const expected: Expected[] = [];
  try {
    for (const f of FAMILIES) {
      const schema = schemaOf(f.table);
      for (const [i, values] of f.rows.entries()) {
        await writer.query(`INSERT INTO ${DB}.${f.table} VALUES (${i + 1}, ${values})`);
      }
      const inserted = await snapshotRows(reader, f.table, schema);
      for (let i = 1; i <= f.rows.length; i++)
        expected.push({ table: f.table, kind: 'write', after: inserted.get(i)! });
      await writer.query(`UPDATE ${DB}.${f.table} SET ${f.update} ORDER BY id`);
      const updated = await snapshotRows(reader, f.table, schema);
      for (let i = 1; i <= f.rows.length; i++) {
        const b = inserted.get(i)!;
        const a = updated.get(i)!;
        const changed = schema.columns
          .filter((_, c) => !isDeepStrictEqual(norm(b[c]), norm(a[c])))
          .map((c) => c.name);
        // MariaDB writes no row for an UPDATE that changes nothing.
        if (changed.length) expected.push({ table: f.table, kind: 'update', before: b, after: a, changed });
      }
      await writer.query(`DELETE FROM ${DB}.${f.table} WHERE id IN (1, 2) ORDER BY id`);
      expected.push({ table: f.table, kind: 'delete', before: updated.get(1)! });
      expected.push({ table: f.table, kind: 'delete', before: updated.get(2)! });
    }
  } finally {
    await writer.end();
    await reader.end();
  }

  // Read the binlog from where the DML started.
  const decoder = new BinlogDecoder({
    columnTypesFor: (s, t) => schemas.get(`${s}.${t}`)?.columns.map((c) => c.type),
  });
  const client = new BinlogClient({
    connection: cdc,
    serverId: 777,
    start: { file: start.file, pos: start.pos },
    nonBlocking: true,
  });
  const decoded: Decoded[] = [];
  let file = start.file;
  let pos = start.pos;
  for await (const batch of client.events()) {
    for (const buf of batch) {
      const ev = decoder.decode(buf, { file, pos });
      if (ev.type === 'rotate') {
        file = ev.nextFile;
        pos = ev.position;
        continue;
      }
      if (ev.header.logPos > 0 && ev.header.timestamp !== 0) pos = ev.header.logPos;
      if (ev.type !== 'rows' || ev.schema !== DB) continue;
      for (const r of ev.rows) {
        decoded.push({
          table: ev.table,
          kind: ev.kind,
          ...(r.before ? { before: r.before } : {}),
          ...(r.after ? { after: r.after } : {}),
          compressed: ev.compressed,
        });
      }
    }
  }

  assert.equal(
    decoded.map((d) => `${d.table}:${d.kind}`).join(' '),
    expected.map((e) => `${e.table}:${e.kind}`).join(' '),
    'row events in statement order',
  );
  if (mode === 'compressed') {
    // (MariaDB compresses an event only when that makes it smaller)
    assert.ok(
      decoded.filter((d) => d.compressed).length > decoded.length / 2,
      'with log_bin_compress the rows events are compressed ones',
    );
  }
  const mismatches: string[] = [];
  for (const [n, exp] of expected.entries()) {
    const got = decoded[n]!;
    const schema = schemaOf(exp.table);
    const fam = FAMILIES.find((f) => f.table === exp.table)!;
    const blobs = new Set(fam.blobs ?? []);
    const what = `${mode} ${exp.table} ${exp.kind} #${n} (id ${String((exp.before ?? exp.after)![0])})`;
    for (const part of ['before', 'after'] as const) {
      const want = exp[part];
      const image = got[part];
      if (!want) {
        assert.equal(image, undefined, `${what}: no ${part} image`);
        continue;
      }
      assert.ok(image, `${what}: ${part} image`);
      assert.equal(image.length, schema.columns.length, `${what}: ${part} image has a slot per column`);
      schema.columns.forEach((c, i) => {
        const v = image[i];
        if (v === undefined) return; // absent: checked below
        if (!isDeepStrictEqual(norm(v), norm(want[i]))) {
          mismatches.push(
            `${what}: ${part}.${c.name} (${formatColumnType(c.type)}) binlog ${show(v)} ≠ SELECT ${show(want[i])}`,
          );
        }
      });
      // Which columns each row image mode must carry.
      const present = schema.columns.filter((_, i) => image[i] !== undefined).map((c) => c.name);
      const all = schema.columns.map((c) => c.name);
      let must: string[];
      if (mode === 'FULL' || mode === 'compressed' || exp.kind === 'write') must = all;
      else if (mode === 'MINIMAL') must = part === 'before' ? ['id'] : [...(exp.changed ?? [])];
      else must = all.filter((c) => !blobs.has(c) || (part === 'after' && exp.changed?.includes(c)));
      if (mode === 'MINIMAL' && part === 'before') {
        assert.deepEqual(present, ['id'], `${what}: MINIMAL before image = the primary key`);
      } else if (mode === 'MINIMAL' && part === 'after' && exp.kind === 'update') {
        // MariaDB logs the columns the statement assigned, changed in value or not
        const assigned = fam.update.split(/,\s*(?=\w+\s*=)/).map((x) => x.split('=')[0]!.trim());
        for (const c of must) assert.ok(present.includes(c), `${what}: changed after.${c} present`);
        for (const c of present)
          assert.ok(assigned.includes(c), `${what}: MINIMAL after.${c} present but not assigned`);
      } else {
        for (const c of must) assert.ok(present.includes(c), `${what}: ${part}.${c} present`);
      }
      if (mode === 'NOBLOB' && exp.kind !== 'write') {
        for (const c of blobs) {
          if (part === 'before' || !exp.changed?.includes(c))
            assert.ok(!present.includes(c), `${what}: NOBLOB leaves ${part}.${c} out`);
        }
      }
    }
  }
  assert.deepEqual(mismatches, [], `${mode}: values that differ between the binlog and SELECT`);
  // The absent columns really are undefined (not null) in at least one image of the partial modes.
  if (mode === 'MINIMAL' || mode === 'NOBLOB') {
    assert.ok(
      decoded.some((d) => d.before?.some((v) => v === undefined)),
      `${mode}: some before images leave columns out`,
    );
  }
}

for (const mode of Object.keys(MODES) as Mode[]) {
  test(`type matrix, binlog_row_image/compression ${mode}: decoded images equal SELECT`, async () => {
    await runMatrix(mode);
  });
}
