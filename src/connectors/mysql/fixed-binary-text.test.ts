import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedBinaryBytes, fixedBinarySortKey, fixedBinaryText } from './fixed-binary-text.js';
import { compareValues } from './snapshot/chunk-key.js';

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

test('UUID: the binlog bytes are the text in order', () => {
  const text = '6ccd780c-baba-1026-9564-5b8c656024db';
  assert.equal(fixedBinaryText('uuid', bytes('6ccd780cbaba102695645b8c656024db')), text);
  assert.deepEqual(fixedBinaryBytes('uuid', text.toUpperCase()), bytes('6ccd780cbaba102695645b8c656024db'));
  assert.throws(() => fixedBinaryText('uuid', bytes('00')), /16 bytes, not 1/);
});

test("INET6 as MariaDB shows it: the first longest zero run as '::', IPv4-compatible and -mapped tails", () => {
  const cases: [string, string][] = [
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000001020304', '::1.2.3.4'],
    ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
    ['20010db8000000000000ff0000428329', '2001:db8::ff00:42:8329'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['00010000000000020000000000000003', '1:0:0:2::3'],
    ['00010000000200030004000500060007', '1::2:3:4:5:6:7'],
    ['00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['00000000000000000001000000000000', '::1:0:0:0'],
  ];
  for (const [hex, text] of cases) {
    assert.equal(fixedBinaryText('inet6', bytes(hex)), text, hex);
    assert.deepEqual(fixedBinaryBytes('inet6', text), bytes(hex), text);
  }
  assert.throws(() => fixedBinaryBytes('inet6', '1::2::3'), /not an IPv6 address/);
  assert.throws(() => fixedBinaryBytes('inet6', '1:2:3'), /not an IPv6 address/);
});

test('INET4: dotted quad', () => {
  assert.equal(fixedBinaryText('inet4', bytes('0a0000ff')), '10.0.0.255');
  assert.deepEqual(fixedBinaryBytes('inet4', '10.0.0.255'), bytes('0a0000ff'));
  assert.throws(() => fixedBinaryBytes('inet4', '10.0.0.256'), /not an IPv4 address/);
});

test("sort keys follow the server's ORDER BY (as MariaDB 10.11 sorts these values)", () => {
  const byServer = [
    '00000000-0000-0000-0000-000000000000',
    'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    '11223344-5566-1788-0899-aabbccddeeff',
    '11223344-5566-7788-c899-aabbccddeeff',
    '6ccd780c-baba-1026-9564-5b8c656024db',
    '11223344-5566-1788-8899-aabbccddeeff',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ];
  const cmp = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);
  const sorted = [...byServer]
    .reverse()
    .sort((a, b) => cmp(fixedBinarySortKey('uuid', a), fixedBinarySortKey('uuid', b)));
  assert.deepEqual(sorted, byServer);
  const inet = ['::', '::1', '::1.2.3.4', '::ffff:1.2.3.4', '1:0:0:2::3', '2001:db8::ff00:42:8329', 'fe80::'];
  assert.deepEqual(
    [...inet].reverse().sort((a, b) => cmp(fixedBinarySortKey('inet6', a), fixedBinarySortKey('inet6', b))),
    inet,
  );
});

test('snapshot chunk keys compare UUID and INET6 values as the server orders them', () => {
  const uuid = { kind: 'string', length: 36, fixed: true, format: 'uuid' } as const;
  // text order and server order disagree: a time-based UUID sorts by its node first
  assert.ok(
    compareValues(uuid, '6ccd780c-baba-1026-9564-5b8c656024db', 'f47ac10b-58cc-4372-a567-0e02b2c3d479') > 0,
  );
  assert.ok(
    compareValues(uuid, '11223344-5566-1788-0899-aabbccddeeff', 'f47ac10b-58cc-4372-a567-0e02b2c3d479') > 0,
  );
  const inet6 = { kind: 'string', length: 39, format: 'inet6' } as const;
  assert.ok(compareValues(inet6, '::ffff:1.2.3.4', '1:0:0:2::3') < 0);
  assert.ok(compareValues(inet6, 'fe80::', '2001:db8::1') > 0);
  assert.equal(compareValues(inet6, '::1', '0:0:0:0:0:0:0:1'), 0);
});
