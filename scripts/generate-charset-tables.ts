// Rewrites src/connectors/mysql/binlog/charset-tables.ts: how each legacy character set of the
// server decodes to Unicode, asked of the server itself. Starts a private MariaDB (the one the
// tests use), and for every character set of SHOW CHARACTER SET that is not a Unicode encoding
// converts every byte, every two-byte sequence with a high first byte, and every three-byte
// sequence under a lead byte that starts no one- or two-byte character, to utf8mb4. A sequence
// is a character when the server makes exactly one character of it that is not the '?' it puts
// for what it cannot convert.
//
//   npx tsx scripts/generate-charset-tables.ts
//
// Table format (per charset, raw-deflated, base64): byte 0 the widest character in bytes (1..3),
// byte 1 the lead byte of three-byte characters (0: none); then the cells: 256 single bytes,
// with width >= 2 the 128 x 256 pairs [0x80 + i, j], with width 3 the 128 x 128 triples
// [lead, 0x80 + i, 0x80 + j]; a bitmap of the cells that are characters (bit k of byte k >> 3),
// then each such cell's code point as a little-endian 16-bit difference from the previous one.
import { writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import type { Connection } from 'mysql2/promise';

const OUT = new URL('../src/connectors/mysql/binlog/charset-tables.ts', import.meta.url);

/** Decoded by code (charset.ts), not by table. */
const UNICODE = new Set(['binary', 'utf8mb3', 'utf8mb4', 'ucs2', 'utf16', 'utf16le', 'utf32']);

const hex = (b: readonly number[]): string => Buffer.from(b).toString('hex');

/** The one code point the server makes of each sequence, or undefined when it makes no single character. */
async function convert(
  conn: Connection,
  charset: string,
  seqs: readonly number[][],
): Promise<(number | undefined)[]> {
  await conn.query('CREATE OR REPLACE TEMPORARY TABLE charset_seq (n INT PRIMARY KEY, s VARBINARY(4))');
  for (let i = 0; i < seqs.length; i += 5000) {
    const rows = seqs.slice(i, i + 5000).map((s, k) => `(${i + k}, X'${hex(s)}')`);
    await conn.query(`INSERT INTO charset_seq VALUES ${rows.join(',')}`);
  }
  const [rows] = await conn.query(
    `SELECT n, HEX(CONVERT(CONVERT(s USING ${charset}) USING utf8mb4)) AS u FROM charset_seq ORDER BY n`,
  );
  return (rows as { n: number; u: string }[]).map((r) => {
    const chars = [...Buffer.from(r.u, 'hex').toString('utf8')];
    const seq = seqs[r.n]!;
    if (chars.length !== 1) return undefined;
    const cp = chars[0]!.codePointAt(0)!;
    return cp === 0x3f && !(seq.length === 1 && seq[0] === 0x3f) ? undefined : cp;
  });
}

interface Table {
  readonly width: 1 | 2 | 3;
  readonly tripleLead: number;
  /** Code point per cell (singles, pairs, triples), undefined where no character. */
  readonly cells: (number | undefined)[];
}

async function tableOf(conn: Connection, charset: string, maxlen: number): Promise<Table> {
  const singles = await convert(
    conn,
    charset,
    Array.from({ length: 256 }, (_, b) => [b]),
  );
  if (maxlen === 1) return { width: 1, tripleLead: 0, cells: singles };
  const pairSeqs: number[][] = [];
  for (let a = 0x80; a < 0x100; a++) for (let b = 0; b < 0x100; b++) pairSeqs.push([a, b]);
  const pairs = await convert(conn, charset, pairSeqs);
  const leadOfPair = (a: number): boolean =>
    pairs.slice((a - 0x80) * 256, (a - 0x7f) * 256).some((c) => c !== undefined);
  for (let a = 0x80; a < 0x100; a++) {
    if (singles[a] !== undefined && leadOfPair(a))
      throw new Error(`${charset}: 0x${a.toString(16)} is a character and a lead byte`);
  }
  if (maxlen === 2) return { width: 2, tripleLead: 0, cells: [...singles, ...pairs] };
  let tripleLead = 0;
  let triples: (number | undefined)[] = [];
  for (let a = 0x80; a < 0x100; a++) {
    if (singles[a] !== undefined || leadOfPair(a)) continue;
    const seqs: number[][] = [];
    for (let b = 0x80; b < 0x100; b++) for (let c = 0x80; c < 0x100; c++) seqs.push([a, b, c]);
    const got = await convert(conn, charset, seqs);
    if (!got.some((c) => c !== undefined)) continue;
    if (tripleLead !== 0) throw new Error(`${charset}: three-byte characters under two lead bytes`);
    tripleLead = a;
    triples = got;
  }
  return { width: 3, tripleLead, cells: [...singles, ...pairs, ...triples] };
}

function encode(t: Table): string {
  const bitmap = Buffer.alloc((t.cells.length + 7) >> 3);
  const deltas: number[] = [];
  let prev = 0;
  t.cells.forEach((cp, k) => {
    if (cp === undefined) return;
    if (cp > 0xfffe) throw new Error(`code point ${cp.toString(16)} does not fit the table format`);
    bitmap[k >> 3]! |= 1 << (k & 7);
    deltas.push((cp - prev) & 0xffff);
    prev = cp;
  });
  const d = Buffer.alloc(deltas.length * 2);
  deltas.forEach((v, i) => d.writeUInt16LE(v, 2 * i));
  return deflateRawSync(Buffer.concat([Buffer.from([t.width, t.tripleLead]), bitmap, d]), {
    level: 9,
  }).toString('base64');
}

async function main(): Promise<void> {
  const { startMariaDb } = await import('../test/support/mariadb.js');
  const db = await startMariaDb();
  try {
    const conn = await db.connect();
    try {
      await conn.query('CREATE DATABASE charset_tables');
      await conn.query('USE charset_tables');
      const [[{ v }]] = (await conn.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
      const [sets] = (await conn.query('SHOW CHARACTER SET')) as unknown as [
        { Charset: string; Maxlen: number }[],
      ];
      const lines: string[] = [];
      for (const { Charset: name, Maxlen: maxlen } of [...sets].sort((a, b) =>
        a.Charset < b.Charset ? -1 : 1,
      )) {
        if (UNICODE.has(name)) continue;
        const t = await tableOf(conn, name, Number(maxlen));
        const chars = t.cells.filter((c) => c !== undefined).length;
        console.log(`${name}: ${chars} characters of up to ${t.width} bytes`);
        const b64 = encode(t);
        const chunks: string[] = [];
        for (let i = 0; i < b64.length; i += 100) chunks.push(`    '${b64.slice(i, i + 100)}',`);
        lines.push(`  ${name}: [`, ...chunks, '  ],');
      }
      const text = [
        '// Generated by scripts/generate-charset-tables.ts: do not edit. How each legacy character set',
        `// decodes to Unicode, as the server converts it (${v}); format in that script.`,
        '',
        `export const CHARSET_TABLES_SOURCE = '${v}';`,
        '',
        '/** Raw-deflated, base64 tables by charset name (in chunks). */',
        'export const CHARSET_TABLES: Readonly<Record<string, readonly string[]>> = {',
        ...lines,
        '};',
        '',
      ].join('\n');
      writeFileSync(OUT, text);
      console.log(`wrote ${OUT.pathname} (${text.length} bytes)`);
    } finally {
      await conn.end();
    }
  } finally {
    await db.stop();
  }
}

await main();
