/**
 * Exactness check of the benchmark: decodes a workload's range with tidemark (in process, not
 * timed), keeps the last after-image of a sample of primary keys, and compares every column with
 * what `SELECT` returns for those rows (DECIMAL and DATETIME(6) as exact text, TIMESTAMP in UTC).
 */
import type { Connection } from 'mysql2/promise';
import { BinlogClient } from '../../src/connectors/mysql/binlog-client.js';
import { BinlogDecoder } from '../../src/connectors/mysql/binlog/binlog-decoder.js';
import type { RowImage } from '../../src/connectors/mysql/binlog/binlog-event.js';
import { MysqlType } from '../../src/connectors/mysql/binlog/column-value.js';
import type { BinlogRange } from './common.js';

export interface VerifyResult {
  readonly table: string;
  readonly rowsChecked: number;
  readonly valuesChecked: number;
  readonly mismatches: readonly string[];
}

function norm(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'boolean') return v ? '1' : '0';
  // mysql2 parses MariaDB's JSON (a LONGTEXT alias) into objects; the workload inserted compact text.
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export async function verifySample(
  conn: Connection,
  server: { host: string; port: number; user: string; password: string },
  range: BinlogRange,
  schema: string,
  table: string,
  sampleEvery: number,
): Promise<VerifyResult> {
  const client = new BinlogClient({
    connection: { host: server.host, port: server.port, user: server.user, password: server.password },
    serverId: 9001,
    start: { file: range.startFile, pos: range.startPos },
  });
  const decoder = new BinlogDecoder();
  const last = new Map<string, RowImage>();
  let names: readonly string[] = [];
  let floats = new Set<number>();
  let file = range.startFile;
  let done = false;
  for await (const batch of client.events()) {
    for (const buf of batch) {
      const ev = decoder.decode(buf);
      if (ev.type === 'rotate') file = ev.nextFile;
      if (ev.type === 'rows' && ev.schema === schema && ev.table === table) {
        const tm = decoder.tableMap(ev.tableId);
        if (tm !== undefined) {
          names = tm.columns.map((c, i) => c.name ?? `@${i + 1}`);
          floats = new Set(tm.columns.flatMap((c, i) => (c.realType === MysqlType.FLOAT ? [i] : [])));
        }
        for (const r of ev.rows) {
          const img = r.after;
          if (img === undefined) continue;
          const id = norm(img[0]);
          if (Number(id) % sampleEvery === 1 || sampleEvery === 1) last.set(id, img);
        }
      }
      if (file === range.endFile && ev.header.logPos >= range.endPos) {
        done = true;
        break;
      }
    }
    if (done) break;
  }
  await client.close();
  await conn.query("SET time_zone = '+00:00'");
  const ids = [...last.keys()];
  const mismatches: string[] = [];
  let valuesChecked = 0;
  if (ids.length > 0) {
    const [rows] = await conn.query(
      `SELECT * FROM \`${schema}\`.\`${table}\` WHERE ${names[0] ?? 'id'} IN (${ids.join(',')})`,
    );
    const byId = new Map<string, Record<string, unknown>>();
    for (const r of rows as Record<string, unknown>[]) byId.set(norm(r[names[0] ?? 'id']), r);
    for (const [id, img] of last) {
      const want = byId.get(id);
      if (want === undefined) {
        mismatches.push(`${table} id ${id}: not found by SELECT`);
        continue;
      }
      names.forEach((name, i) => {
        valuesChecked++;
        const got = norm(img[i]);
        let exp = norm(want[name]);
        if (floats.has(i) && got !== 'NULL' && exp !== 'NULL') {
          // SELECT prints FLOAT rounded to 6 significant digits (ties to even); the binlog has the
          // exact float32: equal when within half a unit of the 6th digit.
          const g = Number(got);
          if (Math.abs(g - Number(exp)) <= 5e-6 * Math.abs(g) * 1.000001) exp = got;
        }
        if (got !== exp) mismatches.push(`${table} id ${id} ${name}: binlog ${got}, SELECT ${exp}`);
      });
    }
  }
  return { table: `${schema}.${table}`, rowsChecked: ids.length, valuesChecked, mismatches };
}
