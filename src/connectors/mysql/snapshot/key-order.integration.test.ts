// Property test against the real server: for each collation and type family, random key values
// (accents, case, trailing blanks, tabs, supplementary characters, `_`, NULL…) are ordered and
// compared by the snapshot's JS side (compareKeys, rangeContains) exactly as MariaDB does with
// ORDER BY, `<`, `=` and the chunk range conditions. The seed is printed with every failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { sharedMariaDb, type MariaDbInstance } from '../../../../test/support/mariadb.js';
import { openMysqlConnection } from '../mysql-connection.js';
import { loadTableSchemas } from '../schema-loader.js';
import { valueTypeCast } from '../snapshot-reader.js';
import { compareKeys, rangeCondition, rangeContains, type ChunkKey, type KeyTuple } from './chunk-key.js';
import { KeyWeigher, keyColumnOrders, type KeyColumnInfo } from './key-order.js';
import type { Value } from '../../../event/column-type.js';
import { Prng } from '../../../../test/support/prng.js';

const DB = 'key_order_it';
let db: MariaDbInstance;
let conn: Connection;
let collations: Set<string>;

before(async () => {
  db = await sharedMariaDb();
  await db.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
  conn = await openMysqlConnection({
    host: db.host,
    port: db.port,
    user: db.rootUser,
    password: db.rootPassword,
  });
  const rows = await db.query<{ Collation: string }[]>('SHOW COLLATION');
  collations = new Set(rows.map((r) => r.Collation.toLowerCase()));
});

after(async () => {
  await conn?.end();
  await db?.query(`DROP DATABASE IF EXISTS ${DB}`);
});

const seed = Number(process.env.KEY_ORDER_SEED ?? Math.floor(Math.random() * 2 ** 31));

// seeded, so that a failure can be replayed (KEY_ORDER_SEED)
const prng = new Prng(seed);
const rnd = (): number => prng.next();
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (n: number): number => Math.floor(rnd() * n);

const LATIN1 = [
  'a',
  'A',
  'b',
  'z',
  'Z',
  '_',
  '-',
  '.',
  '0',
  '9',
  ' ',
  '\t',
  '\n',
  'á',
  'Á',
  'ä',
  'Ä',
  'å',
  'æ',
  'ø',
  'ö',
  'ü',
  'ß',
  'é',
  'è',
  'ÿ',
  'Þ',
  'ð',
  '€',
  'Š',
  'Œ',
  '\u00a0',
];
const BMP = [
  ...LATIN1,
  'ı',
  'İ',
  'ł',
  'Ł',
  'ǅ',
  'ﬀ',
  'ｆ',
  'Ω',
  'ω',
  'я',
  '中',
  '\u0301',
  '\u3000',
  '\ufffd',
  '\uff5e',
  'ㄱ',
];
const SUPPLEMENTARY = [...BMP, '😀', '😁', '𝒜', '𠀀', '\u{10ffff}'];
const EDGE = [
  '',
  ' ',
  'a',
  'A',
  'a ',
  'a  ',
  'a\t',
  'a\n',
  'á',
  'ä',
  'ae',
  'ß',
  'ss',
  'sS',
  '_',
  'x_1',
  'xa1',
  'xA1',
  'x_1 ',
  'z',
  'Z',
];

function randomString(alphabet: readonly string[]): string {
  let s = '';
  for (let n = int(7); n > 0; n--) s += pick(alphabet);
  if (rnd() < 0.2) s += ' '.repeat(1 + int(2));
  return s;
}

/** A MariaDB string literal for any text (utf8mb4 hex, so tabs and blanks stay as they are). */
const textLiteral = (s: string): string =>
  s === '' ? "''" : `_utf8mb4 X'${Buffer.from(s).toString('hex')}'`;

function hex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += int(256).toString(16).padStart(2, '0');
  return s;
}

function randomUuid(): string {
  const b = hex(16).split('');
  b[12] = pick(['0', '1', '2', '4', '5', '6', '7', '8', 'f']); // version nibble
  b[16] = pick(['0', '3', '8', 'a', 'b', 'c', 'f']); // variant nibble
  const h = b.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function randomInet6(): string {
  switch (int(4)) {
    case 0:
      return `::ffff:${int(256)}.${int(256)}.${int(256)}.${int(256)}`;
    case 1:
      return `::${int(65536).toString(16)}`;
    case 2:
      return `${pick(['fe80', '2001:db8', 'ff02', '1'])}::${int(65536).toString(16)}`;
    default:
      return Array.from({ length: 8 }, () => int(65536).toString(16)).join(':');
  }
}

function randomTime(): string {
  const sign = rnd() < 0.3 ? '-' : '';
  return `${sign}${int(839)}:${int(60)}:${int(60)}.${int(1000)}`;
}

function randomDate(): string {
  return `${1000 + int(9000)}-${1 + int(12)}-${1 + int(28)}`;
}

interface Family {
  readonly name: string;
  /** The column's type; the key column is nullable, not unique (duplicates are the point). */
  readonly column: string;
  /** Random SQL literals to insert. */
  readonly values: () => string[];
  /**
   * How two values are compared (`v` of each side): ENUM and SET compare with each other as
   * strings but sort by number, and the snapshot compares them by number (see rangeCondition).
   */
  readonly pairExpr?: string;
}

function stringFamily(
  collation: string,
  charset: string,
  alphabet: readonly string[],
  type = 'VARCHAR(40)',
): Family {
  return {
    name: `${type} ${collation}`,
    column: `${type} CHARACTER SET ${charset} COLLATE ${collation}`,
    values: () =>
      [
        ...EDGE.filter((e) => [...e].every((c) => c === ' ' || alphabet.includes(c))),
        ...Array.from({ length: 90 }, () => randomString(alphabet)),
      ].map(textLiteral),
  };
}

const STRING_FAMILIES: [string, string, readonly string[]][] = [
  ['utf8mb4_general_ci', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_general_nopad_ci', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_unicode_ci', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_unicode_520_ci', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_unicode_nopad_ci', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_german2_ci', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_thai_520_w2', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_uca1400_ai_ci', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_uca1400_as_ci', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_uca1400_ai_cs', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_uca1400_as_cs', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_uca1400_nopad_as_cs', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_bin', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb4_nopad_bin', 'utf8mb4', SUPPLEMENTARY],
  ['utf8mb3_general_ci', 'utf8mb3', BMP],
  ['utf8mb3_bin', 'utf8mb3', BMP],
  ['latin1_swedish_ci', 'latin1', LATIN1],
  ['latin1_german2_ci', 'latin1', LATIN1],
  ['latin1_bin', 'latin1', LATIN1],
  ['latin1_general_cs', 'latin1', LATIN1],
  ['utf16_general_ci', 'utf16', SUPPLEMENTARY],
  ['ascii_general_ci', 'ascii', ['a', 'A', 'b', 'Z', '_', '-', '0', ' ', '\t', '~']],
];

const repeat = (n: number, f: () => string): string[] => Array.from({ length: n }, f);
const TYPE_FAMILIES: Family[] = [
  {
    name: 'SET',
    column: "SET('b','a','C','d')",
    values: () => repeat(40, () => `'${['b', 'a', 'C', 'd'].filter(() => rnd() < 0.5).join(',')}'`),
    pairExpr: 'v + 0',
  },
  {
    name: 'ENUM',
    column: "ENUM('z','b','a','_')",
    values: () => repeat(40, () => `'${pick(['z', 'b', 'a', '_'])}'`),
    pairExpr: 'v + 0',
  },
  { name: 'UUID', column: 'UUID', values: () => repeat(80, () => `'${randomUuid()}'`) },
  { name: 'INET6', column: 'INET6', values: () => repeat(60, () => `'${randomInet6()}'`) },
  {
    name: 'DECIMAL',
    column: 'DECIMAL(20,6)',
    values: () => repeat(60, () => `${rnd() < 0.5 ? '-' : ''}${int(10 ** int(10))}.${int(1000000)}`),
  },
  { name: 'BIT', column: 'BIT(20)', values: () => repeat(50, () => `b'${int(2 ** 20).toString(2)}'`) },
  { name: 'BINARY', column: 'BINARY(4)', values: () => repeat(60, () => `X'${hex(int(5))}'`) },
  { name: 'VARBINARY', column: 'VARBINARY(6)', values: () => repeat(60, () => `X'${hex(int(7))}'`) },
  {
    name: 'DATETIME',
    column: 'DATETIME(6)',
    values: () => repeat(60, () => `'${randomDate()} ${int(24)}:${int(60)}:${int(60)}.${int(1e6)}'`),
  },
  {
    name: 'TIMESTAMP',
    column: 'TIMESTAMP(3) NULL',
    values: () =>
      repeat(
        60,
        () => `'${2000 + int(30)}-0${1 + int(9)}-1${int(9)} ${int(24)}:${int(60)}:${int(60)}.${int(1000)}'`,
      ),
  },
  { name: 'DATE', column: 'DATE', values: () => repeat(60, () => `'${randomDate()}'`) },
  { name: 'TIME', column: 'TIME(3)', values: () => repeat(60, () => `'${randomTime()}'`) },
  {
    name: 'YEAR',
    column: 'YEAR',
    values: () => repeat(40, () => String(pick([0, 1901, 1999, 2000, 2155, 1970 + int(50)]))),
  },
  {
    name: 'FLOAT',
    column: 'FLOAT',
    values: () =>
      repeat(60, () => `${rnd() < 0.3 ? '-' : ''}${(rnd() * 10 ** int(8)).toPrecision(1 + int(9))}`),
  },
  {
    name: 'DOUBLE',
    column: 'DOUBLE',
    values: () => repeat(60, () => `${rnd() < 0.3 ? '-' : ''}${rnd() * 10 ** (int(40) - 20)}`),
  },
  {
    name: 'BIGINT UNSIGNED',
    column: 'BIGINT UNSIGNED',
    values: () => repeat(60, () => (BigInt(int(2 ** 32)) * BigInt(int(2 ** 32))).toString()),
  },
];

/** Creates the table, inserts the values (and NULLs), and reads the key the way the snapshot does. */
async function load(
  f: Family,
  table: string,
): Promise<{ key: ChunkKey; rows: { id: number; k: KeyTuple }[] }> {
  const t = `${DB}.${table}`;
  const index = /TEXT/.test(f.column) ? 'v(20)' : 'v';
  await db.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, v ${f.column}, KEY (${index}))`);
  const values = [...f.values(), 'NULL', 'NULL'];
  await db.query(
    `SET SESSION sql_mode = ''; INSERT INTO ${t} VALUES ${values.map((v, i) => `(${i}, ${v})`).join(', ')}`,
  );
  const schema = (await loadTableSchemas(conn, [{ schemaName: DB, tableName: table }])).get(t)!;
  const [info] = await conn.query(
    'SELECT DATA_TYPE AS dataType, COLLATION_NAME AS collation, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?',
    [DB, table, 'v'],
  );
  const type = schema.columns[1]!.type;
  const key: ChunkKey = {
    columns: ['v'],
    indexes: [0],
    types: [type],
    orders: await keyColumnOrders(conn, info as KeyColumnInfo[]),
    unique: false,
  };
  const select = type.kind === 'float' ? 'v + 0e0' : 'v';
  const [rows] = await conn.query({
    sql: `SELECT id, ${select} FROM ${t}`,
    rowsAsArray: true,
    typeCast: valueTypeCast([schema.columns[0]!.type, type]) as never,
  });
  const out = (rows as [number, Value][]).map(([id, v]) => ({ id, k: [v] as KeyTuple }));
  await new KeyWeigher(key).weigh(
    conn,
    out.map((r) => r.k),
  );
  return { key, rows: out };
}

const show = (k: KeyTuple): string =>
  JSON.stringify(k, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

async function checkFamily(f: Family, table: string): Promise<void> {
  const { key, rows } = await load(f, table);
  const byId = new Map(rows.map((r) => [r.id, r.k]));
  const t = `${DB}.${table}`;
  const ctx = `${f.name} (seed ${seed})`;
  // `<` and `=` of every pair
  const [x, y] = [(f.pairExpr ?? 'v').replace(/v/g, 'x.v'), (f.pairExpr ?? 'v').replace(/v/g, 'y.v')];
  const pairs = await db.query<{ a: number; b: number; lt: number | null; eq: number | null }[]>(
    `SELECT x.id AS a, y.id AS b, ${x} < ${y} AS lt, ${x} = ${y} AS eq FROM ${t} x JOIN ${t} y WHERE x.id <= y.id`,
  );
  for (const p of pairs) {
    if (p.lt === null) continue;
    const want = Number(p.eq) ? 0 : Number(p.lt) ? -1 : 1;
    const [a, b] = [byId.get(p.a)!, byId.get(p.b)!];
    assert.equal(compareKeys(key, a, b), want, `${ctx}: ${show(a)} vs ${show(b)}`);
  }
  // ORDER BY (the index, and a filesort)
  for (const order of ['v', 'v IS NOT NULL, CONCAT(v)']) {
    // a filesort of an 8-bit `_bin` collation does not pad (MariaDB sorts 'a' before 'a\t'
    // there, while `<`, `=` and the index pad): not checked (chunk keys are read by index)
    if (order !== 'v' && (!/CHAR/.test(f.column) || /latin1_bin/.test(f.column))) continue;
    const sorted = await db.query<{ id: number }[]>(`SELECT id FROM ${t} ORDER BY ${order}, id`);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [byId.get(sorted[i - 1]!.id)!, byId.get(sorted[i]!.id)!];
      assert.ok(compareKeys(key, a, b) <= 0, `${ctx}: ORDER BY ${order} puts ${show(a)} before ${show(b)}`);
    }
  }
  // the chunk range conditions (literals built from the JS values) against rangeContains
  const bounds = [null, ...rows.map((r) => r.k).filter((k) => k[0] !== null)];
  for (let i = 0; i < 12; i++) {
    const [x, y] = [pick(bounds), pick(bounds)];
    const range =
      x !== null && y !== null && compareKeys(key, x, y) > 0 ? { lo: y, hi: x } : { lo: x, hi: y };
    const cond = rangeCondition(key, range);
    // in the snapshot's own session (time_zone '+00:00': TIMESTAMP literals are UTC)
    const [gotRows] = await conn.query(`SELECT id FROM ${t}${cond ? ` WHERE ${cond}` : ''}`);
    const got = gotRows as { id: number }[];
    const want = rows.filter((r) => rangeContains(key, range, r.k)).map((r) => r.id);
    assert.deepEqual(
      got.map((r) => r.id).sort((a, b) => a - b),
      want.sort((a, b) => a - b),
      `${ctx}: range [${show(range.lo ?? [])}, ${show(range.hi ?? [])})`,
    );
  }
}

test('string collations: JS order and equality of chunk keys match the server', async () => {
  let n = 0;
  for (const [collation, charset, alphabet] of STRING_FAMILIES) {
    if (!collations.has(collation)) continue; // e.g. uca1400 before MariaDB 10.10
    await checkFamily(stringFamily(collation, charset, alphabet), `s${n++}`);
  }
  assert.ok(n >= 15, `${n} collations checked`);
  // CHAR drops trailing blanks when stored; TEXT keys (a chunk key column needs no index). Not
  // CHAR with a NO PAD collation: MariaDB 10.11 sorts it padded ('\nb' before '') while `<` and
  // the range conditions do not pad, and an index range scan then disagrees with a table scan
  for (const c of ['utf8mb4_general_ci', 'utf8mb4_unicode_520_ci', 'utf8mb4_bin']) {
    await checkFamily(stringFamily(c, 'utf8mb4', SUPPLEMENTARY, 'CHAR(12)'), `s${n++}`);
  }
  await checkFamily(stringFamily('utf8mb4_unicode_ci', 'utf8mb4', SUPPLEMENTARY, 'TEXT'), `s${n}`);
});

test('other key types: JS order and equality match the server', async () => {
  let n = 0;
  for (const f of TYPE_FAMILIES) await checkFamily(f, `t${n++}`);
});

test('composite key (general_ci string, then integer): tuples ordered as the server orders them', async () => {
  const t = `${DB}.comp`;
  await db.query(
    `CREATE TABLE ${t} (s VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL, i INT NOT NULL, PRIMARY KEY (s, i))`,
  );
  const values = new Set<string>();
  for (let j = 0; j < 150; j++)
    values.add(`(${textLiteral(pick(['xa', 'x_', 'XA', 'xá', 'x', 'x ', 'x\t', 'y']))}, ${int(5)})`);
  await db.query(`INSERT IGNORE INTO ${t} VALUES ${[...values].join(', ')}`);
  const [info] = await conn.query(
    "SELECT DATA_TYPE AS dataType, COLLATION_NAME AS collation, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'comp' ORDER BY ORDINAL_POSITION",
    [DB],
  );
  const key: ChunkKey = {
    columns: ['s', 'i'],
    indexes: [0, 1],
    types: [
      { kind: 'string', length: 10 },
      { kind: 'integer', bytes: 4, unsigned: false },
    ],
    orders: await keyColumnOrders(conn, info as KeyColumnInfo[]),
    unique: true,
  };
  const rows = await db.query<{ s: string; i: number }[]>(`SELECT s, i FROM ${t} ORDER BY s, i`);
  const keys = rows.map((r): KeyTuple => [r.s, r.i]);
  await new KeyWeigher(key).weigh(conn, keys);
  for (let j = 1; j < keys.length; j++) {
    assert.equal(compareKeys(key, keys[j - 1]!, keys[j]!), -1, `${show(keys[j - 1]!)} < ${show(keys[j]!)}`);
  }
});
