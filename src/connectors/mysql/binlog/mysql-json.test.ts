import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyJsonDiffs,
  formatJsonDouble,
  mysqlJsonToText,
  parseJsonDiffs,
  parseMysqlJson,
  renderNode,
} from './mysql-json.js';

const u16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

function text(bytes: number[]): string {
  const b = Buffer.from(bytes);
  return mysqlJsonToText(b, 0, b.length);
}

/** A small object {keys: values}, values given as [type, inline-or-offset-bytes, data]. */
function smallObject(entries: [string, number, number[] | null, number[]][]): number[] {
  // header: count, size; key entries (offset u16, len u16); value entries (type, u16); keys; values
  const n = entries.length;
  const headerLen = 4 + n * 4 + n * 3;
  const keysLen = entries.reduce((a, [k]) => a + Buffer.byteLength(k), 0);
  let keyOff = headerLen;
  let valOff = headerLen + keysLen;
  const keyEntries: number[] = [];
  const valueEntries: number[] = [];
  const keys: number[] = [];
  const values: number[] = [];
  for (const [k, type, inline, data] of entries) {
    const kb = [...Buffer.from(k)];
    keyEntries.push(...u16(keyOff), ...u16(kb.length));
    keyOff += kb.length;
    keys.push(...kb);
    if (inline !== null) valueEntries.push(type, ...inline);
    else {
      valueEntries.push(type, ...u16(valOff));
      values.push(...data);
      valOff += data.length;
    }
  }
  const size = headerLen + keysLen + values.length;
  return [...u16(n), ...u16(size), ...keyEntries, ...valueEntries, ...keys, ...values];
}

function smallArray(items: [number, number[] | null, number[]][]): number[] {
  const n = items.length;
  const headerLen = 4 + n * 3;
  let off = headerLen;
  const entries: number[] = [];
  const values: number[] = [];
  for (const [type, inline, data] of items) {
    if (inline !== null) entries.push(type, ...inline);
    else {
      entries.push(type, ...u16(off));
      values.push(...data);
      off += data.length;
    }
  }
  return [...u16(n), ...u16(headerLen + values.length), ...entries, ...values];
}

test('JSON scalars', () => {
  assert.equal(text([0x04, 0x00]), 'null');
  assert.equal(text([0x04, 0x01]), 'true');
  assert.equal(text([0x04, 0x02]), 'false');
  assert.equal(text([0x05, ...u16(0xfffe)]), '-2');
  assert.equal(text([0x06, ...u16(65535)]), '65535');
  assert.equal(text([0x07, ...u32(0x80000000)]), '-2147483648');
  assert.equal(text([0x08, ...u32(0xffffffff)]), '4294967295');
  const i64 = Buffer.alloc(8);
  i64.writeBigInt64LE(-9223372036854775808n);
  assert.equal(text([0x09, ...i64]), '-9223372036854775808');
  const u64 = Buffer.alloc(8);
  u64.writeBigUInt64LE(18446744073709551615n);
  assert.equal(text([0x0a, ...u64]), '18446744073709551615');
  const d = Buffer.alloc(8);
  d.writeDoubleLE(3.14);
  assert.equal(text([0x0b, ...d]), '3.14');
  d.writeDoubleLE(1);
  assert.equal(text([0x0b, ...d]), '1.0');
  assert.equal(text([0x0c, 5, ...Buffer.from('he"l\n')]), '"he\\"l\\n"');
  assert.equal(text([0x0c, 2, 0x01, 0x5c]), '"\\u0001\\\\"');
  // a 200-byte string: two-byte variable length (0xC8 0x01)
  const long = 'x'.repeat(200);
  assert.equal(text([0x0c, 0xc8, 0x01, ...Buffer.from(long)]), `"${long}"`);
  assert.equal(text([]), 'null');
});

test('JSON doubles print like MySQL', () => {
  assert.equal(formatJsonDouble(0.1), '0.1');
  assert.equal(formatJsonDouble(-2.5), '-2.5');
  assert.equal(formatJsonDouble(100), '100.0');
  assert.equal(formatJsonDouble(1e100), '1e100');
  assert.equal(formatJsonDouble(1.5e-7), '1.5e-7');
});

test('JSON objects and arrays with ", " and ": " separators', () => {
  // {"a": 1, "b": [1, 2]}
  const arr = smallArray([
    [0x05, u16(1), []],
    [0x05, u16(2), []],
  ]);
  const obj = smallObject([
    ['a', 0x05, u16(1), []],
    ['b', 0x02, null, arr],
  ]);
  assert.equal(text([0x00, ...obj]), '{"a": 1, "b": [1, 2]}');
  assert.equal(text([0x00, ...u16(0), ...u16(4)]), '{}');
  assert.equal(text([0x02, ...u16(0), ...u16(4)]), '[]');
  // ["x", null, true]
  const a2 = smallArray([
    [0x0c, null, [1, 0x78]],
    [0x04, u16(0), []],
    [0x04, u16(1), []],
  ]);
  assert.equal(text([0x02, ...a2]), '["x", null, true]');
});

test('JSON large array with inlined int32', () => {
  // large array: count u32, size u32, entries (type + u32), no out-of-line values
  const entries = [0x07, ...u32(-5 >>> 0), 0x08, ...u32(7)];
  const size = 8 + entries.length;
  assert.equal(text([0x03, ...u32(2), ...u32(size), ...entries]), '[-5, 7]');
});

test('JSON opaque values: DATE/TIME/DATETIME/DECIMAL rendered, others base64', () => {
  const packedDatetime = (
    y: number,
    mo: number,
    d: number,
    h: number,
    mi: number,
    s: number,
    us: number,
  ): bigint =>
    ((((BigInt(y * 13 + mo) << 5n) | BigInt(d)) << 17n) | BigInt((h << 12) | (mi << 6) | s)) * (1n << 24n) +
    BigInt(us);
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(packedDatetime(2012, 3, 18, 11, 30, 45, 0));
  assert.equal(text([0x0f, 12, 8, ...b]), '"2012-03-18 11:30:45.000000"');
  b.writeBigInt64LE(packedDatetime(2012, 3, 18, 0, 0, 0, 0));
  assert.equal(text([0x0f, 10, 8, ...b]), '"2012-03-18"');
  b.writeBigInt64LE(-((BigInt((12 << 12) | (34 << 6) | 56) << 24n) + 500000n));
  assert.equal(text([0x0f, 11, 8, ...b]), '"-12:34:56.500000"');
  // DECIMAL(5,2) 188.10: precision, scale, binary decimal
  assert.equal(text([0x0f, 246, 5, 5, 2, 0x80, 0xbc, 0x0a]), '188.10');
  assert.equal(text([0x0f, 15, 1, 0x55]), '"base64:type15:VQ=="');
});

test('JSON partial-update diffs apply to the before document', () => {
  // before: {"a": 1, "b": [1, 2]}
  const arr = smallArray([
    [0x05, u16(1), []],
    [0x05, u16(2), []],
  ]);
  const before = Buffer.from([
    0x00,
    ...smallObject([
      ['a', 0x05, u16(1), []],
      ['b', 0x02, null, arr],
    ]),
  ]);
  // diffs: REPLACE $.a = "z"; INSERT $.b[1] = 9; INSERT $.c = true; REMOVE $.b[0]
  const diffs = Buffer.from([
    0,
    3,
    ...Buffer.from('$.a'),
    3,
    0x0c,
    1,
    0x7a,
    1,
    6,
    ...Buffer.from('$.b[1]'),
    3,
    0x05,
    9,
    0,
    1,
    3,
    ...Buffer.from('$.c'),
    2,
    0x04,
    0x01,
    2,
    6,
    ...Buffer.from('$.b[0]'),
  ]);
  const parsed = parseJsonDiffs(diffs, 0, diffs.length);
  assert.deepEqual(
    parsed.map((d) => [d.operation, d.path]),
    [
      ['replace', '$.a'],
      ['insert', '$.b[1]'],
      ['insert', '$.c'],
      ['remove', '$.b[0]'],
    ],
  );
  const doc = applyJsonDiffs(parseMysqlJson(before, 0, before.length), parsed);
  assert.equal(renderNode(doc), '{"a": "z", "b": [9, 2], "c": true}');
});
