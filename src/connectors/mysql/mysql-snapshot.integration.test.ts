import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { sharedMariaDb, type MariaDbInstance } from '../../../test/support/mariadb.js';
import { openMysqlConnection } from './mysql-connection.js';
import { listTables, loadTableSchemas } from './schema-loader.js';
import { estimateRowCount, readTableSnapshot } from './snapshot-reader.js';
import { parseDdl } from './ddl-parser.js';
import type { Row } from '../../event/change-event.js';
import type { ColumnType } from '../../event/column-type.js';
import { tableId } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';

const DB = 'snap_it';
let db: MariaDbInstance;
let conn: Connection;

const open = (): Promise<Connection> =>
  openMysqlConnection({ host: db.host, port: db.port, user: db.rootUser, password: db.rootPassword });

before(async () => {
  db = await sharedMariaDb();
  // Session zone is the server's +05:30 here: TIMESTAMP literals below are +05:30 wall-clock.
  await db.query(`
    DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
    SET SESSION sql_mode = '';
    CREATE TABLE ${DB}.all_types (
      id INT NOT NULL,
      t_tiny TINYINT, t_bool BOOL, t_small SMALLINT UNSIGNED, t_med MEDIUMINT, t_int INT UNSIGNED,
      t_big BIGINT, t_ubig BIGINT UNSIGNED, t_serialish BIGINT(20) UNSIGNED ZEROFILL,
      t_dec DECIMAL(10,2), t_dec65 DECIMAL(65,30) NOT NULL DEFAULT 0, t_float FLOAT, t_double DOUBLE,
      t_char CHAR(3), t_vc VARCHAR(20) NOT NULL DEFAULT '', t_latin VARCHAR(10) CHARACTER SET latin1,
      t_text TEXT, t_ltext LONGTEXT,
      t_bin BINARY(4), t_vbin VARBINARY(8), t_blob BLOB,
      t_date DATE, t_time TIME(6), t_dt DATETIME(6), t_dt0 DATETIME, t_ts TIMESTAMP(6) NULL DEFAULT NULL,
      t_ts3 TIMESTAMP(3) NULL, t_year YEAR,
      t_bit1 BIT(1), t_bit64 BIT(64), t_bit10 BIT(10),
      t_json JSON, t_enum ENUM('a','b''c','x,y'), t_set SET('p','q','r'),
      t_point POINT, t_geo GEOMETRY, t_uuid UUID, t_inet6 INET6,
      PRIMARY KEY (id)
    ) COMMENT 'every type';
    INSERT INTO ${DB}.all_types VALUES (
      1, -128, 1, 65535, -8388608, 4294967295,
      -9223372036854775808, 18446744073709551615, 42,
      4.00, 12345678901234567890123456789012345.123456789012345678901234567891, 3.14159, 0.1,
      'ab', '', 'caf\\xE9',
      '😀 emoji', REPEAT('x', 70000),
      X'01020000', X'00FF', X'DEADBEEF00',
      '0000-00-00', '-838:59:59.000000', '2024-02-29 23:59:59.123456', '1000-01-01 00:00:00',
      '2024-01-15 10:00:00.123456', '2024-01-15 05:30:00.5', 2024,
      b'1', b'1111111111111111111111111111111111111111111111111111111111111111', b'1000000001',
      '{"a": [1, 2.50, "x"]}', 'b''c', 'p,r',
      ST_PointFromText('POINT(1 2)'), ST_GeomFromText('POINT(3 4)', 4326), '123e4567-e89b-12d3-a456-426614174000', '::1'
    );
    INSERT INTO ${DB}.all_types (id, t_vc, t_time, t_float, t_bit1, t_year, t_date) VALUES
      (2, '', '-00:00:00.000001', 16777217, b'0', 0, '2024-01-01'),
      (3, 'x', '100:00:00', 123456789, NULL, 1901, NULL);
    UPDATE ${DB}.all_types SET t_latin = CONVERT(X'636166E9' USING latin1) WHERE id = 1;
    CREATE TABLE ${DB}.big (id INT PRIMARY KEY, v VARCHAR(20));
    INSERT INTO ${DB}.big SELECT seq, CONCAT('v', seq) FROM ${DB}.seq_1_to_5000;
    CREATE TABLE ${DB}.\`we\`\`ird\` (\`col\`\`x\` INT, \`k 2\` INT, PRIMARY KEY (\`k 2\`, \`col\`\`x\`));
    INSERT INTO ${DB}.\`we\`\`ird\` VALUES (1, 2);
  `);
  conn = await open();
});

after(async () => {
  await conn?.end();
  await db?.query(`DROP DATABASE IF EXISTS ${DB}`);
});

async function readAll(table: string, fetchSize = 100): Promise<Row[][]> {
  const schemas = await loadTableSchemas(conn, [{ schemaName: DB, tableName: table }]);
  const schema = schemas.get(`${DB}.${table}`);
  assert.ok(schema);
  const batches: Row[][] = [];
  for await (const b of readTableSnapshot(conn, tableId(DB, table), schema, { fetchSize })) batches.push(b);
  return batches;
}

test('listTables lists base tables outside the system schemas', async () => {
  const tables = await listTables(conn);
  const mine = tables.filter((t) => t.schemaName === DB).map((t) => t.tableName);
  assert.deepEqual(mine, ['all_types', 'big', 'we`ird']);
  assert.ok(
    !tables.some((t) => ['mysql', 'sys', 'information_schema', 'performance_schema'].includes(t.schemaName)),
  );
});

test('loadTableSchemas: column types, nullability, defaults, keys, comments', async () => {
  const schemas = await loadTableSchemas(conn, [
    { schemaName: DB, tableName: 'all_types' },
    { schemaName: DB, tableName: 'we`ird' },
    { schemaName: DB, tableName: 'missing' },
  ]);
  assert.deepEqual([...schemas.keys()].sort(), [`${DB}.all_types`, `${DB}.we\`ird`]);
  const s = schemas.get(`${DB}.all_types`)!;
  assert.deepEqual(s.primaryKeys, ['id']);
  assert.equal(s.comment, 'every type');
  const types = Object.fromEntries(s.columns.map((c) => [c.name, c.type]));
  const expected: Record<string, ColumnType> = {
    id: { kind: 'integer', bytes: 4, unsigned: false },
    t_tiny: { kind: 'integer', bytes: 1, unsigned: false },
    t_bool: { kind: 'integer', bytes: 1, unsigned: false },
    t_small: { kind: 'integer', bytes: 2, unsigned: true },
    t_med: { kind: 'integer', bytes: 3, unsigned: false },
    t_int: { kind: 'integer', bytes: 4, unsigned: true },
    t_big: { kind: 'integer', bytes: 8, unsigned: false },
    t_ubig: { kind: 'integer', bytes: 8, unsigned: true },
    t_serialish: { kind: 'integer', bytes: 8, unsigned: true },
    t_dec: { kind: 'decimal', precision: 10, scale: 2 },
    t_dec65: { kind: 'decimal', precision: 65, scale: 30 },
    t_float: { kind: 'float' },
    t_double: { kind: 'double' },
    t_char: { kind: 'string', length: 3, fixed: true, charset: 'utf8mb4' },
    t_vc: { kind: 'string', length: 20, charset: 'utf8mb4' },
    t_latin: { kind: 'string', length: 10, charset: 'latin1' },
    t_text: { kind: 'string', text: 'text', charset: 'utf8mb4' },
    t_ltext: { kind: 'string', text: 'long', charset: 'utf8mb4' },
    t_bin: { kind: 'binary', length: 4, fixed: true },
    t_vbin: { kind: 'binary', length: 8 },
    t_blob: { kind: 'binary', blob: 'blob' },
    t_date: { kind: 'date' },
    t_time: { kind: 'time', precision: 6 },
    t_dt: { kind: 'timestamp', precision: 6 },
    t_dt0: { kind: 'timestamp', precision: 0 },
    t_ts: { kind: 'timestamp_ltz', precision: 6 },
    t_ts3: { kind: 'timestamp_ltz', precision: 3 },
    t_year: { kind: 'year' },
    t_bit1: { kind: 'bit', length: 1 },
    t_bit64: { kind: 'bit', length: 64 },
    t_bit10: { kind: 'bit', length: 10 },
    t_json: { kind: 'json' },
    t_enum: { kind: 'enum', values: ['a', "b'c", 'x,y'] },
    t_set: { kind: 'set', values: ['p', 'q', 'r'] },
    t_point: { kind: 'geometry', geometryType: 'point' },
    t_geo: { kind: 'geometry', geometryType: 'geometry' },
    t_uuid: { kind: 'string', length: 36, fixed: true, format: 'uuid' },
    t_inet6: { kind: 'string', length: 39, format: 'inet6' },
  };
  assert.deepEqual(types, expected);
  const byName = Object.fromEntries(s.columns.map((c) => [c.name, c]));
  assert.equal(byName.id?.nullable, false);
  assert.ok(byName.id && !('defaultValue' in byName.id));
  assert.equal(byName.t_vc?.defaultValue, "''");
  assert.equal(byName.t_dec65?.defaultValue, '0.000000000000000000000000000000');
  assert.equal(byName.t_tiny?.defaultValue, null);
  const w = schemas.get(`${DB}.we\`ird`)!;
  assert.deepEqual(w.primaryKeys, ['k 2', 'col`x']);
});

test('snapshot values are exact', async () => {
  const rows = (await readAll('all_types')).flat();
  assert.equal(rows.length, 3);
  const names = (await loadTableSchemas(conn, [{ schemaName: DB, tableName: 'all_types' }]))
    .get(`${DB}.all_types`)!
    .columns.map((c) => c.name);
  const r1 = Object.fromEntries(names.map((n, i) => [n, rows[0]![i]]));
  const buf = (hex: string): Buffer => Buffer.from(hex, 'hex');
  const point = (srid: number, x: number, y: number): Buffer => {
    const b = Buffer.alloc(25);
    b.writeUInt32LE(srid, 0);
    b.writeUInt8(1, 4);
    b.writeUInt32LE(1, 5);
    b.writeDoubleLE(x, 9);
    b.writeDoubleLE(y, 17);
    return b;
  };
  assert.deepEqual(r1, {
    id: 1,
    t_tiny: -128,
    t_bool: 1,
    t_small: 65535,
    t_med: -8388608,
    t_int: 4294967295,
    t_big: -9223372036854775808n,
    t_ubig: 18446744073709551615n,
    t_serialish: 42n,
    t_dec: '4.00',
    t_dec65: '12345678901234567890123456789012345.123456789012345678901234567891',
    t_float: Math.fround(3.14159),
    t_double: 0.1,
    t_char: 'ab',
    t_vc: '',
    t_latin: 'café',
    t_text: '😀 emoji',
    t_ltext: 'x'.repeat(70000),
    t_bin: buf('01020000'),
    t_vbin: buf('00ff'),
    t_blob: buf('deadbeef00'),
    t_date: '0000-00-00',
    t_time: '-838:59:59.000000',
    t_dt: '2024-02-29 23:59:59.123456',
    t_dt0: '1000-01-01 00:00:00',
    t_ts: '2024-01-15 04:30:00.123456',
    t_ts3: '2024-01-15 00:00:00.500',
    t_year: 2024,
    t_bit1: true,
    t_bit64: buf('ffffffffffffffff'),
    t_bit10: buf('0201'),
    t_json: '{"a": [1, 2.50, "x"]}',
    t_enum: "b'c",
    t_set: 'p,r',
    t_point: point(0, 1, 2),
    t_geo: point(4326, 3, 4),
    t_uuid: '123e4567-e89b-12d3-a456-426614174000',
    t_inet6: '::1',
  });
  const r2 = Object.fromEntries(names.map((n, i) => [n, rows[1]![i]]));
  assert.equal(r2.t_vc, '', "'' stays ''");
  assert.equal(r2.t_char, null, 'NULL stays null');
  assert.equal(r2.t_time, '-00:00:00.000001');
  assert.equal(r2.t_float, 16777216, 'FLOAT 16777217 is stored as the float 16777216, as the binlog says');
  assert.equal(r2.t_bit1, false);
  assert.equal(r2.t_year, 0);
  assert.equal(r2.t_dec65, '0.000000000000000000000000000000');
  const r3 = Object.fromEntries(names.map((n, i) => [n, rows[2]![i]]));
  assert.equal(r3.t_time, '100:00:00.000000');
  assert.equal(r3.t_float, 123456792);
  assert.equal(r3.t_bit1, null);
  assert.equal(r3.t_date, null);
});

test('SHOW CREATE TABLE parsed by parseDdl gives the schema loadTableSchemas gives', async () => {
  for (const table of ['all_types', 'big', 'we`ird']) {
    const loaded = (await loadTableSchemas(conn, [{ schemaName: DB, tableName: table }])).get(
      `${DB}.${table}`,
    );
    const [res] = await conn.query(`SHOW CREATE TABLE ${DB}.\`${table.replace(/`/g, '``')}\``);
    const ddl = (res as Record<string, string>[])[0]!['Create Table']!;
    const parsed = parseDdl(ddl, DB);
    assert.equal(parsed.length, 1);
    const stmt = parsed[0]!;
    assert.equal(stmt.kind, 'create-table');
    if (stmt.kind !== 'create-table') return;
    assert.deepEqual(stmt.table, { schemaName: DB, tableName: table });
    assert.deepEqual(stmt.schema, loaded, table);
  }
});

test('snapshot streams in batches of fetchSize', async () => {
  const batches = await readAll('big', 1000);
  assert.deepEqual(
    batches.map((b) => b.length),
    [1000, 1000, 1000, 1000, 1000],
  );
  assert.deepEqual(batches[4]![999], [5000, 'v5000']);
  const odd = await readAll('big', 777);
  assert.equal(odd.flat().length, 5000);
  assert.equal(odd[odd.length - 1]!.length, 5000 % 777);
  const w = (await readAll('we`ird')).flat();
  assert.deepEqual(w, [[1, 2]]);
  assert.ok((await estimateRowCount(conn, tableId(DB, 'big'))) > 0);
});

test('stopping early destroys only that session; abort ends with the reason', async () => {
  const c = await open();
  const schema = (await loadTableSchemas(c, [{ schemaName: DB, tableName: 'big' }])).get(`${DB}.big`)!;
  let n = 0;
  for await (const b of readTableSnapshot(c, tableId(DB, 'big'), schema, { fetchSize: 10 })) {
    n += b.length;
    if (n >= 30) break;
  }
  assert.equal(n, 30);
  await assert.rejects(c.query('SELECT 1'));
  const c2 = await open();
  const ac = new AbortController();
  await assert.rejects(
    (async () => {
      for await (const _b of readTableSnapshot(c2, tableId(DB, 'big'), schema, {
        fetchSize: 10,
        signal: ac.signal,
      })) {
        ac.abort(new Error('stop now'));
      }
    })(),
    /stop now/,
  );
  c2.destroy();
});

test('reading a table dropped (or renamed) since its snapshot began is a clear SOURCE_SCHEMA error', async () => {
  const schemas = await loadTableSchemas(conn, [{ schemaName: DB, tableName: 'big' }]);
  const schema = schemas.get(`${DB}.big`)!;
  const gone = tableId(DB, 'big_renamed_away');
  await assert.rejects(
    async () => {
      for await (const batch of readTableSnapshot(conn, gone, schema, { fetchSize: 10 })) void batch;
    },
    (e: unknown) =>
      e instanceof TidemarkError &&
      e.code === 'SOURCE_SCHEMA' &&
      /snapshot of snap_it\.big_renamed_away: reading the table failed: the table was renamed, dropped or altered/.test(
        e.message,
      ),
  );
});
