import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Value } from '../../../event/column-type.js';
import {
  columnPlan,
  columnTypeOf,
  decodeColumnValue,
  decodeDecimal,
  MysqlType,
  type TableMapColumn,
} from './column-value.js';

function col(typeCode: number, meta: number, extra: Partial<TableMapColumn> = {}): TableMapColumn {
  const realType = typeCode === MysqlType.STRING && meta >> 8 !== 0 ? (meta >> 8) | 0x30 : typeCode;
  return { typeCode, realType, meta, nullable: true, ...extra };
}

function decode(c: TableMapColumn, bytes: Buffer | number[]): Value {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const cur = { pos: 0 };
  const v = decodeColumnValue(buf, cur, columnPlan(c));
  assert.equal(cur.pos, buf.length, 'consumes exactly the value');
  return v;
}

// ---- DECIMAL: an encoder written from the format description, to round-trip against ----------

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

function encodeDecimal(text: string, precision: number, scale: number): Buffer {
  const negative = text.startsWith('-');
  const [intPart = '', fracPart = ''] = (negative ? text.slice(1) : text).split('.');
  const intg = precision - scale;
  const intDigits = intPart.padStart(intg, '0');
  const fracDigits = fracPart.padEnd(scale, '0');
  const bytes: number[] = [];
  const push = (digits: string, n: number): void => {
    const v = digits === '' ? 0 : Number(digits);
    for (let i = n - 1; i >= 0; i--) bytes.push(Math.floor(v / 256 ** i) % 256);
  };
  const lead = intg % 9;
  if (lead > 0) push(intDigits.slice(0, lead), DIG2BYTES[lead]!);
  for (let i = lead; i < intg; i += 9) push(intDigits.slice(i, i + 9), 4);
  const fullFrac = Math.floor(scale / 9) * 9;
  for (let i = 0; i < fullFrac; i += 9) push(fracDigits.slice(i, i + 9), 4);
  if (scale % 9 > 0) push(fracDigits.slice(fullFrac), DIG2BYTES[scale % 9]!);
  bytes[0] = bytes[0]! ^ 0x80;
  return Buffer.from(negative ? bytes.map((b) => b ^ 0xff) : bytes);
}

test('DECIMAL: documented vectors (DECIMAL(14,4) ±1234567890.1234)', () => {
  assert.equal(decodeDecimal(Buffer.from('810DFB38D204D2', 'hex'), 0, 14, 4), '1234567890.1234');
  assert.equal(decodeDecimal(Buffer.from('7EF204C72DFB2D', 'hex'), 0, 14, 4), '-1234567890.1234');
});

test('DECIMAL: exact text with exactly `scale` fraction digits', () => {
  const cases: [string, number, number][] = [
    ['4.00', 10, 2],
    ['-0.50', 10, 2],
    ['0.00', 10, 2],
    ['0', 10, 0],
    ['-7', 5, 0],
    ['123456789012345678901234567890', 30, 0],
    ['188.10', 5, 2],
    ['12345.67', 10, 2],
    ['-999999999.999999999', 19, 9],
    ['0.000000001', 19, 9],
    ['12345678901234567890123456789012345.123456789012345678901234567890', 65, 30],
    ['-12345678901234567890123456789012345.123456789012345678901234567890', 65, 30],
    ['0.000000000000000000000000000001', 65, 30],
    ['-1.000000000000000000000000000000', 65, 30],
  ];
  for (const [text, p, s] of cases) {
    const v = decode(col(MysqlType.NEWDECIMAL, (p << 8) | s), encodeDecimal(text, p, s));
    assert.equal(v, text, `DECIMAL(${p},${s}) ${text}`);
  }
});

test('DECIMAL: negative zero renders as zero', () => {
  assert.equal(decodeDecimal(encodeDecimal('-0.00', 10, 2), 0, 10, 2), '0.00');
});

test('DECIMAL: groups holding more than their digits (corrupt bytes) render as the values they hold', () => {
  // DECIMAL(10,0): a 1-byte group of 1 digit holding 25, then a 4-byte group holding 1.
  assert.equal(decodeDecimal(Buffer.from([0x99, 0, 0, 0, 1]), 0, 10, 0), '25000000001');
  // DECIMAL(18,9): a 4-byte fraction group holding 1000000000 (10 digits).
  assert.equal(decodeDecimal(Buffer.from([0x80, 0, 0, 7, 0x3b, 0x9a, 0xca, 0]), 0, 18, 9), '7.1000000000');
});

// ---- temporal types --------------------------------------------------------------------------

function fracBytes(micro: number, fsp: number): number[] {
  if (fsp === 0) return [];
  if (fsp <= 2) return [Math.floor(micro / 10000)];
  if (fsp <= 4) {
    const v = Math.floor(micro / 100);
    return [v >> 8, v & 0xff];
  }
  return [(micro >> 16) & 0xff, (micro >> 8) & 0xff, micro & 0xff];
}

function datetime2(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  micro: number,
  fsp: number,
): Buffer {
  const ymd = ((y * 13 + mo) << 5) | d;
  const hms = (h << 12) | (mi << 6) | s;
  const v = BigInt(ymd) * 131072n + BigInt(hms) + 0x8000000000n;
  const b = Buffer.alloc(5);
  b.writeUIntBE(Number(v), 0, 5);
  return Buffer.concat([b, Buffer.from(fracBytes(micro, fsp))]);
}

/** TIME2 as MySQL writes it (my_time_packed_to_binary), from a packed signed value. */
function time2(neg: boolean, h: number, mi: number, s: number, micro: number, fsp: number): Buffer {
  const hms = BigInt((h << 12) | (mi << 6) | s);
  let packed = (hms << 24n) + BigInt(micro);
  if (neg) packed = -packed;
  const intPart = packed >> 24n; // arithmetic shift (floor)
  const fracPart = packed % (1n << 24n); // C remainder: sign of the dividend
  const b = Buffer.alloc(3 + ((fsp + 1) >> 1));
  if (fsp >= 5) {
    b.writeUIntBE(Number(packed + 0x800000000000n), 0, 6);
    return b;
  }
  b.writeUIntBE(Number(intPart + 0x800000n), 0, 3);
  if (fsp === 1 || fsp === 2) b.writeInt8(Number(fracPart / 10000n), 3);
  if (fsp === 3 || fsp === 4) b.writeInt16BE(Number(fracPart / 100n), 3);
  return b;
}

test('DATETIME2 with fsp 0..6', () => {
  const expected = [
    '2024-05-10 15:30:00',
    '2024-05-10 15:30:00.1',
    '2024-05-10 15:30:00.12',
    '2024-05-10 15:30:00.123',
    '2024-05-10 15:30:00.1234',
    '2024-05-10 15:30:00.12345',
    '2024-05-10 15:30:00.123456',
  ];
  for (let fsp = 0; fsp <= 6; fsp++) {
    const micro = Math.floor(123456 / 10 ** (6 - fsp)) * 10 ** (6 - fsp);
    const v = decode(col(MysqlType.DATETIME2, fsp), datetime2(2024, 5, 10, 15, 30, 0, micro, fsp));
    assert.equal(v, expected[fsp], `fsp ${fsp}`);
  }
  assert.equal(decode(col(MysqlType.DATETIME2, 0), datetime2(0, 0, 0, 0, 0, 0, 0, 0)), '0000-00-00 00:00:00');
  assert.equal(
    decode(col(MysqlType.DATETIME2, 6), datetime2(9999, 12, 31, 23, 59, 59, 999999, 6)),
    '9999-12-31 23:59:59.999999',
  );
});

test('TIMESTAMP2 with fsp 0..6 renders UTC', () => {
  for (let fsp = 0; fsp <= 6; fsp++) {
    const micro = fsp === 0 ? 0 : Math.floor(654321 / 10 ** (6 - fsp)) * 10 ** (6 - fsp);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(1715504186);
    const v = decode(col(MysqlType.TIMESTAMP2, fsp), Buffer.concat([b, Buffer.from(fracBytes(micro, fsp))]));
    assert.equal(v, `2024-05-12 08:56:26${fsp === 0 ? '' : `.${'654321'.slice(0, fsp)}`}`, `fsp ${fsp}`);
  }
  assert.equal(decode(col(MysqlType.TIMESTAMP2, 0), [0, 0, 0, 0]), '0000-00-00 00:00:00');
  assert.equal(decode(col(MysqlType.TIMESTAMP, 0), [0x3a, 0x84, 0x40, 0x66]), '2024-05-12 08:56:26');
});

test('TIME2 with fsp 0..6, positive and negative', () => {
  const cases: [boolean, number, number, number, number, number, string][] = [
    [false, 15, 30, 0, 0, 0, '15:30:00'],
    [true, 507, 48, 27, 0, 0, '-507:48:27'],
    [false, 838, 59, 59, 0, 0, '838:59:59'],
    [true, 0, 0, 1, 500000, 1, '-00:00:01.5'],
    [true, 0, 0, 0, 10000, 2, '-00:00:00.01'],
    [false, 1, 2, 3, 450000, 2, '01:02:03.45'],
    [true, 12, 0, 0, 123000, 3, '-12:00:00.123'],
    [true, 0, 0, 0, 100, 4, '-00:00:00.0001'],
    [false, 0, 0, 0, 999900, 4, '00:00:00.9999'],
    [true, 1, 0, 0, 12340, 5, '-01:00:00.01234'],
    [true, 838, 59, 59, 999999, 6, '-838:59:59.999999'],
    [false, 0, 0, 0, 1, 6, '00:00:00.000001'],
    [true, 0, 0, 0, 0, 6, '00:00:00.000000'],
  ];
  for (const [neg, h, m, s, micro, fsp, text] of cases) {
    assert.equal(decode(col(MysqlType.TIME2, fsp), time2(neg, h, m, s, micro, fsp)), text, text);
  }
});

test('old DATE/TIME/DATETIME, YEAR', () => {
  assert.equal(decode(col(MysqlType.DATE, 0), [0xaa, 0xaa, 0x0f]), '2005-05-10');
  assert.equal(decode(col(MysqlType.DATE, 0), [0, 0, 0]), '0000-00-00');
  const t = Buffer.alloc(3);
  t.writeIntLE(-5074827, 0, 3);
  assert.equal(decode(col(MysqlType.TIME, 0), t), '-507:48:27');
  const dt = Buffer.alloc(8);
  dt.writeBigUInt64LE(20111215125253n);
  assert.equal(decode(col(MysqlType.DATETIME, 0), dt), '2011-12-15 12:52:53');
  assert.equal(decode(col(MysqlType.YEAR, 0), [124]), 2024);
  assert.equal(decode(col(MysqlType.YEAR, 0), [0]), 0);
});

test('temporal values outside the usual digit counts keep their general rendering', () => {
  // DATETIME2 can encode years up to 10082 (17 bits of year*13+month).
  assert.equal(
    decode(col(MysqlType.DATETIME2, 3), datetime2(10000, 1, 2, 3, 4, 5, 678000, 3)),
    '10000-01-02 03:04:05.678',
  );
  // Three fraction bytes above 999999 (not written by a server, but decodable).
  assert.equal(
    decode(
      col(MysqlType.DATETIME2, 6),
      Buffer.concat([datetime2(2024, 1, 2, 3, 4, 5, 0, 0), Buffer.from([0xff, 0xff, 0xff])]),
    ),
    '2024-01-02 03:04:05.7777215',
  );
  assert.equal(decode(col(MysqlType.TIME2, 5), time2(false, 100, 0, 1, 12340, 5)), '100:00:01.01234');
});

// ---- integers, BIT, ENUM/SET, strings -----------------------------------------------------------

test('integers: signed, unsigned exact, bigint for 8 bytes', () => {
  assert.equal(decode(col(MysqlType.TINY, 0), [0xff]), -1);
  assert.equal(decode(col(MysqlType.TINY, 0, { unsigned: true }), [0xff]), 255);
  assert.equal(decode(col(MysqlType.INT24, 0), [0xff, 0xff, 0xff]), -1);
  assert.equal(decode(col(MysqlType.INT24, 0, { unsigned: true }), [0xff, 0xff, 0xff]), 16777215);
  assert.equal(decode(col(MysqlType.LONG, 0, { unsigned: true }), [0xfd, 0xff, 0xff, 0xff]), 4294967293);
  assert.equal(decode(col(MysqlType.LONGLONG, 0), Buffer.alloc(8, 0xff)), -1n);
  assert.equal(
    decode(col(MysqlType.LONGLONG, 0, { unsigned: true }), Buffer.alloc(8, 0xff)),
    18446744073709551615n,
  );
  // Exact on both sides of 2^53 (below it a bigint is built from one number).
  const big = (v: bigint, unsigned: boolean): Buffer => {
    const b = Buffer.alloc(8);
    if (unsigned) b.writeBigUInt64LE(v);
    else b.writeBigInt64LE(v);
    return b;
  };
  const edges = [
    0n,
    1n,
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 53n + 1n,
    2n ** 63n - 1n,
  ];
  for (const v of edges) {
    assert.equal(decode(col(MysqlType.LONGLONG, 0, { unsigned: true }), big(v, true)), v);
    assert.equal(
      decode(col(MysqlType.LONGLONG, 0, { unsigned: true }), big(2n ** 64n - 1n - v, true)),
      2n ** 64n - 1n - v,
    );
    assert.equal(decode(col(MysqlType.LONGLONG, 0), big(v, false)), v);
    assert.equal(decode(col(MysqlType.LONGLONG, 0), big(-v - 1n, false)), -v - 1n);
    assert.equal(decode(col(MysqlType.LONGLONG, 0), big(-v, false)), -v);
  }
});

test('FLOAT is the stored float32 value exactly (as SELECT c + 0e0 reads it), DOUBLE exact', () => {
  const f = Buffer.alloc(4);
  f.writeFloatLE(12345.7);
  assert.equal(decode(col(MysqlType.FLOAT, 4), f), Math.fround(12345.7));
  assert.equal(decode(col(MysqlType.FLOAT, 4), f), 12345.7001953125);
  const d = Buffer.alloc(8);
  d.writeDoubleLE(12345678.910110000521);
  assert.equal(decode(col(MysqlType.DOUBLE, 8), d), 12345678.910110000521);
});

test('BIT(1) is boolean, BIT(n) big-endian bytes, BIT(64)', () => {
  assert.equal(decode(col(MysqlType.BIT, 1), [1]), true);
  assert.equal(decode(col(MysqlType.BIT, 1), [0]), false);
  assert.deepEqual(decode(col(MysqlType.BIT, 3), [4]), new Uint8Array([4]));
  assert.deepEqual(decode(col(MysqlType.BIT, (1 << 8) | 2), [0x02, 0x81]), new Uint8Array([0x02, 0x81]));
  const b64 = [0x80, 1, 2, 3, 4, 5, 6, 0xff];
  assert.deepEqual(decode(col(MysqlType.BIT, 8 << 8), b64), new Uint8Array(b64));
  assert.deepEqual(columnTypeOf(col(MysqlType.BIT, 8 << 8)), { kind: 'bit', length: 64 });
});

test('ENUM/SET: member names when known, index/bitmask otherwise', () => {
  const e = col(MysqlType.STRING, (MysqlType.ENUM << 8) | 1);
  assert.equal(decode(e, [2]), 2);
  assert.equal(decode({ ...e, enumValues: ['a', 'b', 'c'] }, [2]), 'b');
  assert.equal(decode({ ...e, enumValues: ['a', 'b', 'c'] }, [0]), '');
  const s = col(MysqlType.STRING, (MysqlType.SET << 8) | 1);
  assert.equal(decode(s, [5]), 5);
  assert.equal(decode({ ...s, setValues: ['x', 'y', 'z'] }, [5]), 'x,z');
  const s8 = col(MysqlType.STRING, (MysqlType.SET << 8) | 8);
  assert.equal(decode(s8, [1, 0, 0, 0, 0, 0, 0, 0x80]), (1n << 63n) | 1n);
  // A caller-provided ColumnType supplies members when the Table_map has none.
  const plan = columnPlan(e, { kind: 'enum', values: ['p', 'q'] });
  assert.equal(decodeColumnValue(Buffer.from([1]), { pos: 0 }, plan), 'p');
});

test('strings: charset decoding, binary bytes, BINARY(n) padded back, CHAR > 255 bytes', () => {
  const utf8 = col(MysqlType.VARCHAR, 400, { collationId: 255 });
  const text = Buffer.from('한국어', 'utf8');
  assert.equal(decode(utf8, Buffer.concat([Buffer.from([text.length, 0]), text])), '한국어');
  const latin1 = col(MysqlType.VARCHAR, 100, { collationId: 8 });
  assert.equal(decode(latin1, [3, 0x80, 0xe9, 0x41]), '€éA');
  assert.equal(decode(latin1, [4, 0x63, 0x61, 0x66, 0xe9]), 'café'); // no 0x80..0x9F: ISO-8859-1
  assert.equal(decode(latin1, [3, 0xa0, 0xff, 0x9f]), '\u00a0ÿŸ');
  const varbinary = col(MysqlType.VARCHAR, 100, { collationId: 63 });
  assert.deepEqual(decode(varbinary, [2, 0, 1]), new Uint8Array([0, 1]));
  const binary4 = col(MysqlType.STRING, (MysqlType.STRING << 8) | 4, { collationId: 63 });
  assert.deepEqual(decode(binary4, [2, 0xab, 0xcd]), new Uint8Array([0xab, 0xcd, 0, 0]));
  // CHAR(100) utf8mb4 = 400 bytes: length bits folded into the real-type byte.
  const meta = (((MysqlType.STRING & ~0x30) | ((((400 >> 8) & 3) ^ 3) << 4)) << 8) | (400 & 0xff);
  const char400 = col(MysqlType.STRING, meta, { collationId: 255 });
  assert.equal(char400.realType, MysqlType.STRING);
  assert.equal(decode(char400, [3, 0, 0x61, 0x62, 0x63]), 'abc');
  const blob = col(MysqlType.BLOB, 2, { collationId: 63 });
  assert.deepEqual(decode(blob, [2, 0, 9, 8]), new Uint8Array([9, 8]));
  const textCol = col(MysqlType.BLOB, 2, { collationId: 45 });
  assert.equal(decode(textCol, [2, 0, 0x68, 0x69]), 'hi');
  // Without charset metadata, a hint decides TEXT vs BLOB.
  const plan = columnPlan(col(MysqlType.BLOB, 2), { kind: 'string', text: 'text', charset: 'latin1' });
  assert.equal(decodeColumnValue(Buffer.from([1, 0, 0x80]), { pos: 0 }, plan), '€');
});

test('columnTypeOf maps Table_map columns with metadata', () => {
  assert.deepEqual(columnTypeOf(col(MysqlType.NEWDECIMAL, (65 << 8) | 30)), {
    kind: 'decimal',
    precision: 65,
    scale: 30,
  });
  assert.deepEqual(columnTypeOf(col(MysqlType.VARCHAR, 400, { collationId: 255 })), {
    kind: 'string',
    length: 100,
    fixed: false,
    charset: 'utf8mb4',
  });
  assert.deepEqual(columnTypeOf(col(MysqlType.TIMESTAMP2, 3)), { kind: 'timestamp_ltz', precision: 3 });
  assert.deepEqual(columnTypeOf(col(MysqlType.LONG, 0, { unsigned: true })), {
    kind: 'integer',
    bytes: 4,
    unsigned: true,
  });
  assert.deepEqual(columnTypeOf(col(MysqlType.BLOB, 4, { collationId: 63 })), {
    kind: 'binary',
    blob: 'long',
  });
  assert.deepEqual(columnTypeOf(col(MysqlType.GEOMETRY, 4, { geometryType: 1 })), {
    kind: 'geometry',
    geometryType: 'point',
  });
});
