// Live charset matrix: for every character set the private MariaDB lists, the byte sequences that
// are one character of it (every byte, every two-byte sequence with a high first byte, every
// three-byte sequence under 0x8F; a seeded sample of code points for the Unicode encodings) are
// written into columns of that charset, read back from the binlog (BinlogClient + BinlogDecoder)
// and compared with what the server itself converts them to (a SELECT through a utf8mb4
// session). Sequences the server stores but can only show as '?' must fail to decode, naming
// the table and column: never a replacement character.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { BinlogClient } from '../src/connectors/mysql/binlog-client.js';
import { BinlogDecoder } from '../src/connectors/mysql/binlog/binlog-decoder.js';
import { charsetOfCollation } from '../src/connectors/mysql/binlog/charset.js';
import { isTidemarkError } from '../src/event/tidemark-error.js';
import { currentBinlogPosition } from '../src/connectors/mysql/server-checks.js';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { Prng } from './support/prng.js';

const DB = 'charsets';
/** Characters per stored value. */
const CHUNK = 400;
/** Sequences the server cannot convert, tried one per statement, per charset. */
const UNMAPPED_SAMPLE = 60;
/** Code points tried for the Unicode encodings. */
const UNICODE_SAMPLE = 6000;

let db: MariaDbInstance;
before(async () => {
  db = await startMariaDb({ serverOptions: { max_allowed_packet: '64M' } });
  await db.createCdcUser('charsets', 'charsets-pw');
});
after(async () => {
  await db?.stop();
});

/** A seeded sequence of floats in [0, 1). */
function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

function codeUnits(cp: number, charset: string): Buffer {
  switch (charset) {
    case 'utf32': {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(cp);
      return b;
    }
    case 'ucs2':
      return Buffer.from([cp >> 8, cp & 0xff]);
    case 'utf16':
    case 'utf16le': {
      const le = Buffer.from(cp <= 0xffff ? String.fromCharCode(cp) : String.fromCodePoint(cp), 'utf16le');
      return charset === 'utf16' ? Buffer.from(le).swap16() : le;
    }
    default:
      return Buffer.from(String.fromCodePoint(cp), 'utf8');
  }
}

/** The byte sequences to try: candidates for one character of `charset`. */
function candidates(charset: string, maxlen: number): Buffer[] {
  const out: Buffer[] = [];
  if (['ucs2', 'utf16', 'utf16le', 'utf32', 'utf8mb3', 'utf8mb4'].includes(charset)) {
    const rnd = prng(charset.length * 7919 + maxlen);
    const cps = new Set<number>([0, 0x7f, 0x80, 0xff, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff]);
    while (cps.size < UNICODE_SAMPLE) {
      const r = rnd();
      cps.add(r < 0.6 ? Math.floor(rnd() * 0x10000) : 0x10000 + Math.floor(rnd() * 0x100000));
    }
    for (const cp of cps) {
      if (cp >= 0xd800 && cp <= 0xdfff && charset !== 'ucs2' && charset !== 'utf32') continue;
      if (cp > 0xffff && charset === 'ucs2') continue;
      if (cp > 0xffff && charset === 'utf8mb3') continue;
      out.push(codeUnits(cp, charset));
    }
    if (charset === 'utf32') out.push(Buffer.from('00110000', 'hex'), Buffer.from('0000d800', 'hex'));
    return out;
  }
  for (let a = 0; a < 256; a++) out.push(Buffer.from([a]));
  if (maxlen >= 2)
    for (let a = 0x80; a < 256; a++) for (let b = 0; b < 256; b++) out.push(Buffer.from([a, b]));
  if (maxlen >= 3)
    for (let b = 0xa1; b < 0xff; b++) for (let c = 0xa1; c < 0xff; c++) out.push(Buffer.from([0x8f, b, c]));
  return out;
}

interface Classified {
  /** One character of the charset the server converts. */
  readonly mapped: Buffer[];
  /** One character of the charset the server can only show as '?'. */
  readonly unmapped: Buffer[];
}

/** Asks the server which candidates are one character, and which of them it converts to Unicode. */
async function classify(conn: Connection, charset: string, seqs: readonly Buffer[]): Promise<Classified> {
  await conn.query('CREATE OR REPLACE TEMPORARY TABLE seq (n INT PRIMARY KEY, s VARBINARY(8))');
  for (let i = 0; i < seqs.length; i += 5000) {
    const rows = seqs.slice(i, i + 5000).map((s, k) => `(${i + k}, X'${s.toString('hex')}')`);
    await conn.query(`INSERT INTO seq VALUES ${rows.join(',')}`);
  }
  const [rows] = await conn.query(
    `SELECT n, CHAR_LENGTH(CONVERT(s USING ${charset})) AS len, HEX(CONVERT(s USING ${charset})) = HEX(s) AS kept,
            HEX(CONVERT(CONVERT(s USING ${charset}) USING utf8mb4)) AS u,
            HEX(s) = HEX(CONVERT('?' USING ${charset})) AS q
       FROM seq ORDER BY n`,
  );
  const mapped: Buffer[] = [];
  const unmapped: Buffer[] = [];
  for (const r of rows as { n: number; len: number; kept: number; u: string; q: number }[]) {
    const s = seqs[r.n]!;
    // one well-formed character (its bytes kept as they are) that comes out as one character
    if (Number(r.kept) !== 1 || Number(r.len) !== 1) continue;
    if ([...Buffer.from(r.u, 'hex').toString('utf8')].length !== 1) continue;
    // '?' only when the sequence is not the charset's own '?' (0x3F, or 3F00 in utf16le, ...)
    if (r.u === '3F' && Number(r.q) !== 1) unmapped.push(s);
    else mapped.push(s);
  }
  return { mapped, unmapped };
}

interface Written {
  readonly charset: string;
  /** Stored values by id, as a SELECT through utf8mb4 gives them. */
  readonly expected: Map<number, [string, string]>;
  /** Ids of the rows holding a sequence the server cannot convert. */
  readonly unmappedIds: Set<number>;
  readonly mappedCount: number;
}

async function writeCharset(conn: Connection, charset: string, maxlen: number): Promise<Written> {
  const { mapped, unmapped } = await classify(conn, charset, candidates(charset, maxlen));
  const table = `${DB}.\`t_${charset}\``;
  await conn.query(
    `CREATE TABLE ${table} (id INT PRIMARY KEY, v MEDIUMTEXT CHARACTER SET ${charset}, c VARCHAR(8) CHARACTER SET ${charset})`,
  );
  let id = 0;
  const values: string[] = [];
  for (let i = 0; i < mapped.length; i += CHUNK) {
    const hex = Buffer.concat(mapped.slice(i, i + CHUNK)).toString('hex');
    values.push(
      `(${++id}, CONVERT(X'${hex}' USING ${charset}), LEFT(CONVERT(X'${hex}' USING ${charset}), 8))`,
    );
  }
  for (let i = 0; i < values.length; i += 20)
    await conn.query(`INSERT INTO ${table} VALUES ${values.slice(i, i + 20).join(',')}`);
  const rnd = prng(charset.length);
  const sample = [...unmapped].sort(() => rnd() - 0.5).slice(0, UNMAPPED_SAMPLE);
  const unmappedIds = new Set<number>();
  for (const s of sample) {
    await conn.query(
      `INSERT INTO ${table} VALUES (${++id}, NULL, CONVERT(X'${s.toString('hex')}' USING ${charset}))`,
    );
    unmappedIds.add(id);
  }
  const [rows] = await conn.query(`SELECT id, v, c, HEX(c) AS h FROM ${table}`);
  const expected = new Map<number, [string, string]>();
  for (const r of rows as { id: number; v: string | null; c: string; h: string }[]) {
    if (unmappedIds.has(r.id)) {
      // the server stored the bytes as they were: only their conversion fails
      assert.ok(
        sample.some((s) => s.toString('hex').toUpperCase() === r.h),
        `${charset}: row ${r.id} stored as is`,
      );
      continue;
    }
    expected.set(r.id, [r.v ?? '', r.c]);
  }
  return { charset, expected, unmappedIds, mappedCount: mapped.length };
}

test('every charset decodes from the binlog as the server converts it; what it cannot convert is an error', async () => {
  const conn = await db.connect();
  const sets: { Charset: string; Maxlen: number }[] = [];
  const written: Written[] = [];
  let start: { file: string; pos: number };
  try {
    await conn.query(`CREATE DATABASE ${DB}`);
    await conn.query(`USE ${DB}`);
    await conn.query("SET SESSION sql_mode = ''");
    // every collation id the server has belongs to the charset the decoder thinks
    const [colls] = await conn.query(
      'SELECT ID AS id, CHARACTER_SET_NAME AS cs FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE ID IS NOT NULL',
    );
    for (const c of colls as { id: number; cs: string }[])
      assert.equal(charsetOfCollation(Number(c.id)), c.cs, `collation id ${c.id}`);
    const [rows] = await conn.query('SHOW CHARACTER SET');
    sets.push(...(rows as { Charset: string; Maxlen: number }[]).filter((r) => r.Charset !== 'binary'));
    start = await currentBinlogPosition(conn);
    for (const s of sets) written.push(await writeCharset(conn, s.Charset, Number(s.Maxlen)));
  } finally {
    await conn.end();
  }
  assert.ok(sets.length >= 39, `${sets.length} charsets`);

  const decoder = new BinlogDecoder();
  const client = new BinlogClient({
    connection: { host: db.host, port: db.port, user: 'charsets', password: 'charsets-pw' },
    serverId: 778,
    start,
    nonBlocking: true,
  });
  const got = new Map<string, Map<number, [string, string]>>();
  const failed = new Map<string, Map<number, string>>();
  let file = start.file;
  let pos = start.pos;
  for await (const batch of client.events()) {
    for (const buf of batch) {
      let ev;
      try {
        ev = decoder.decode(buf, { file, pos });
      } catch (e) {
        // a rows event of a row the server cannot convert: which table, column and row?
        assert.ok(isTidemarkError(e), String(e));
        const m =
          /at (\S+:\d+): charsets\.t_(\w+) row 1: column c: (\w+) bytes [0-9a-f]+ at byte 0 of the value/.exec(
            e.message,
          );
        assert.ok(m, e.message);
        assert.equal(m[3], m[2], e.message);
        const cs = m[2]!;
        if (!failed.has(cs)) failed.set(cs, new Map());
        failed.get(cs)!.set(failed.get(cs)!.size, m[1]!);
        if (buf.readUInt32LE(13) > 0) pos = buf.readUInt32LE(13);
        continue;
      }
      if (ev.type === 'rotate') {
        file = ev.nextFile;
        pos = ev.position;
        continue;
      }
      if (ev.header.logPos > 0 && ev.header.timestamp !== 0) pos = ev.header.logPos;
      if (ev.type !== 'rows' || ev.schema !== DB || !ev.table.startsWith('t_')) continue;
      const cs = ev.table.slice(2);
      if (!got.has(cs)) got.set(cs, new Map());
      for (const r of ev.rows) {
        const [id, v, c] = r.after!;
        got.get(cs)!.set(id as number, [(v ?? '') as string, c as string]);
      }
    }
  }

  const problems: string[] = [];
  for (const w of written) {
    const mine = got.get(w.charset) ?? new Map<number, [string, string]>();
    let differing = 0;
    for (const [id, want] of w.expected) {
      const have = mine.get(id);
      if (have?.[0] === want[0] && have[1] === want[1]) continue;
      if (differing++ < 3) {
        const at = [...want[0]].findIndex((ch, i) => [...(have?.[0] ?? '')][i] !== ch);
        problems.push(
          `${w.charset} row ${id}: binlog ${JSON.stringify(have?.[0].slice(Math.max(0, at - 2), at + 3))} ≠ SELECT ${JSON.stringify([...want[0]].slice(Math.max(0, at - 2), at + 3).join(''))}`,
        );
      }
    }
    assert.ok(w.mappedCount > 0, `${w.charset}: characters written`);
    const fails = failed.get(w.charset)?.size ?? 0;
    if (fails !== w.unmappedIds.size)
      problems.push(`${w.charset}: ${fails} of ${w.unmappedIds.size} unconvertible rows failed to decode`);
  }
  assert.deepEqual(problems, [], 'charsets whose binlog values differ from the server');
});
