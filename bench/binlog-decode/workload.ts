/**
 * Workloads of the binlog-decode benchmark, written into a private MariaDB:
 * (a) `update`: N single-row UPDATEs in 200 transactions on a sysbench-like table;
 * (b) `wide`: INSERTs of wide rows (27 columns of mixed types) in multi-row statements.
 * Each returns the binlog range its transactions occupy.
 */
import type { Connection } from 'mysql2/promise';
import type { BinlogRange } from './common.js';

export const SCHEMA = 'bench';

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function masterStatus(conn: Connection): Promise<{ file: string; pos: number }> {
  const [rows] = await conn.query('SHOW MASTER STATUS');
  const r = (rows as { File: string; Position: number | string }[])[0];
  if (r === undefined) throw new Error('SHOW MASTER STATUS returned nothing: is log_bin on?');
  return { file: r.File, pos: Number(r.Position) };
}

async function inRange(conn: Connection, write: () => Promise<void>): Promise<BinlogRange> {
  const start = await masterStatus(conn);
  await write();
  const end = await masterStatus(conn);
  return { startFile: start.file, startPos: start.pos, endFile: end.file, endPos: end.pos };
}

export async function prepareSchema(conn: Connection): Promise<void> {
  await conn.query(`DROP DATABASE IF EXISTS ${SCHEMA}; CREATE DATABASE ${SCHEMA}`);
  await conn.query("SET time_zone = '+00:00'");
}

const pad = (s: string, n: number): string => (s.length >= n ? s.slice(0, n) : s + '-'.repeat(n - s.length));

/** (a) `updates` single-row UPDATEs in 200 transactions; the table is loaded outside the range. */
export async function updateWorkload(conn: Connection, updates: number): Promise<BinlogRange> {
  const tableRows = Math.max(100, Math.min(10_000, Math.floor(updates / 20)));
  await conn.query(
    `CREATE TABLE ${SCHEMA}.sbtest (
       id INT NOT NULL PRIMARY KEY,
       k INT NOT NULL,
       c CHAR(120) NOT NULL,
       pad CHAR(60) NOT NULL,
       amount DECIMAL(12,2) NOT NULL,
       ts DATETIME(6) NOT NULL
     ) CHARACTER SET utf8mb4`,
  );
  const rnd = prng(1);
  for (let i = 0; i < tableRows; i += 1000) {
    const values: string[] = [];
    for (let id = i + 1; id <= Math.min(tableRows, i + 1000); id++) {
      const c = pad(`${id}-${Math.floor(rnd() * 1e9)}-Grüße-`, 119);
      values.push(
        `(${id}, ${Math.floor(rnd() * 1e6)}, '${c}', '${pad(`p${id}`, 59)}', ${(rnd() * 1e6).toFixed(2)}, NOW(6))`,
      );
    }
    await conn.query(`INSERT INTO ${SCHEMA}.sbtest VALUES ${values.join(',')}`);
  }
  const transactions = 200;
  const perTx = Math.max(1, Math.ceil(updates / transactions));
  return inRange(conn, async () => {
    let done = 0;
    while (done < updates) {
      const n = Math.min(perTx, updates - done);
      const stmts = ['START TRANSACTION'];
      for (let j = 0; j < n; j++) {
        const id = (((done + j) * 7919) % tableRows) + 1;
        stmts.push(
          `UPDATE ${SCHEMA}.sbtest SET k = k + 1, amount = amount + 0.37, ts = NOW(6) WHERE id = ${id}`,
        );
      }
      stmts.push('COMMIT');
      await conn.query(stmts.join(';'));
      done += n;
    }
  });
}

const WORDS = ['alpha', 'Grüße', 'naïve', '東京', 'ünïcödé', 'emoji🌊', 'plain', 'Ω≈ç√', 'tidemark', 'x'];

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function wideRow(id: number, rnd: () => number): string {
  const word = (): string => WORDS[Math.floor(rnd() * WORDS.length)]!;
  const words = (n: number): string => Array.from({ length: n }, word).join(' ');
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const null10 = (v: string): string => (rnd() < 0.1 ? 'NULL' : v);
  const two = (v: number): string => String(v).padStart(2, '0');
  const date = `${int(1971, 2037)}-${two(int(1, 12))}-${two(int(1, 28))}`;
  const time = `${two(int(0, 23))}:${two(int(0, 59))}:${two(int(0, 59))}`;
  const micro = String(int(0, 999_999)).padStart(6, '0');
  const ubig = (BigInt(int(0, 0xffffffff)) << 32n) | BigInt(int(0, 0xffffffff));
  const sbig = BigInt(int(-0x7fffffff, 0x7fffffff)) * BigInt(int(1, 0x7fffffff));
  const dec = `${rnd() < 0.5 ? '-' : ''}${int(0, 99_999_999_999_999)}.${String(int(0, 9999)).padStart(4, '0')}`;
  const dec2 = `${int(0, 999_999_999)}${String(int(0, 999_999_999)).padStart(9, '0')}.${String(int(0, 9_999_999_999)).padStart(10, '0')}`;
  const blob = Buffer.from(Array.from({ length: int(0, 64) }, () => int(0, 255))).toString('hex');
  const vbin = Buffer.from(Array.from({ length: int(1, 32) }, () => int(0, 255))).toString('hex');
  const json = JSON.stringify({
    id,
    name: word(),
    tags: [word(), word()],
    score: int(0, 1000) / 10,
    ok: rnd() < 0.5,
  });
  return `(${[
    id,
    int(-128, 127),
    int(0, 65535),
    int(-8388608, 8388607),
    int(-2147483648, 2147483647),
    sbig,
    ubig,
    null10(dec),
    dec2,
    (int(-1_000_000, 1_000_000) / 8).toString(),
    (int(-1_000_000_000, 1_000_000_000) / 1000).toString(),
    null10(`'${date}'`),
    `'${time}.${micro.slice(0, 3)}'`,
    `'${date} ${time}.${micro}'`,
    `'${int(1971, 2037)}-${two(int(1, 12))}-${two(int(1, 28))} ${time}.${micro}'`,
    int(1901, 2155),
    sqlString(word()),
    null10(sqlString(words(int(1, 12)))),
    sqlString(pad(`latin1 café ${id}`, int(12, 40))),
    null10(sqlString(words(int(5, 40)))),
    blob === '' ? "''" : `x'${blob}'`,
    `x'${vbin}'`,
    sqlString(json),
    `'${['a', 'b', 'c'][int(0, 2)]}'`,
    `'${['x', 'y', 'z', 'x,z', 'x,y,z', ''][int(0, 5)]}'`,
    `b'${int(0, 4095).toString(2)}'`,
    int(0, 1),
  ].join(', ')})`;
}

/** (b) `rows` wide rows in multi-row INSERTs (50 rows each), 1000 rows per transaction. */
export async function wideWorkload(conn: Connection, rows: number): Promise<BinlogRange> {
  await conn.query(
    `CREATE TABLE ${SCHEMA}.wide (
       id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
       c_tiny TINYINT NOT NULL,
       c_usmall SMALLINT UNSIGNED NOT NULL,
       c_medium MEDIUMINT NOT NULL,
       c_int INT NOT NULL,
       c_big BIGINT NOT NULL,
       c_ubig BIGINT UNSIGNED NOT NULL,
       c_dec DECIMAL(18,4) NULL,
       c_dec2 DECIMAL(30,10) NOT NULL,
       c_float FLOAT NOT NULL,
       c_double DOUBLE NOT NULL,
       c_date DATE NULL,
       c_time TIME(3) NOT NULL,
       c_dt DATETIME(6) NOT NULL,
       c_ts TIMESTAMP(6) NOT NULL DEFAULT '1971-01-01 00:00:00',
       c_year YEAR NOT NULL,
       c_char CHAR(10) CHARACTER SET utf8mb4 NOT NULL,
       c_vc VARCHAR(255) CHARACTER SET utf8mb4 NULL,
       c_latin1 VARCHAR(64) CHARACTER SET latin1 NOT NULL,
       c_text TEXT CHARACTER SET utf8mb4 NULL,
       c_blob BLOB NOT NULL,
       c_vbin VARBINARY(32) NOT NULL,
       c_json JSON NOT NULL,
       c_enum ENUM('a','b','c') NOT NULL,
       c_set SET('x','y','z') NOT NULL,
       c_bit BIT(12) NOT NULL,
       c_flag TINYINT(1) NOT NULL
     ) CHARACTER SET utf8mb4`,
  );
  const rnd = prng(2);
  return inRange(conn, async () => {
    let id = 0;
    while (id < rows) {
      const stmts = ['START TRANSACTION'];
      const txEnd = Math.min(rows, id + 1000);
      while (id < txEnd) {
        const values: string[] = [];
        const stmtEnd = Math.min(txEnd, id + 50);
        while (id < stmtEnd) values.push(wideRow(++id, rnd));
        stmts.push(`INSERT INTO ${SCHEMA}.wide VALUES ${values.join(',')}`);
      }
      stmts.push('COMMIT');
      await conn.query(stmts.join(';'));
    }
  });
}
