// Ordering helpers of chunk keys (their agreement with the server is key-order.integration.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareCodePoints,
  compareKeys,
  compareValues,
  compareWeights,
  rangeCondition,
  setKeyWeights,
  type ChunkKey,
  type CollationOrder,
} from './chunk-key.js';

test('code points, not UTF-16 units; PAD SPACE: trailing blanks weigh nothing, a tab sorts below them', () => {
  assert.equal(compareCodePoints('\uff5e', '😀', false), -1); // U+FF5E < U+1F600 (UTF-16: D83D < FF5E)
  assert.equal(compareCodePoints('a', 'a  ', true), 0);
  assert.equal(compareCodePoints('a', 'a  ', false), -1);
  assert.equal(compareCodePoints('a\t', 'a', true), -1);
  assert.equal(compareCodePoints('a b', 'a', true), 1);
  assert.equal(compareCodePoints('a', 'a\t', false), -1);
});

test('weights: level by level, PAD SPACE pads the shorter weight with the space weight', () => {
  const c: CollationOrder = {
    name: 'x_ci',
    charset: 'x',
    padSpace: true,
    levels: [1, 2],
    spaceWeights: [Uint8Array.of(2, 9), Uint8Array.of(0, 32)],
  };
  const w = (...levels: number[][]): Uint8Array[] => levels.map((l) => Uint8Array.from(l));
  assert.equal(compareWeights(c, w([32, 1], [0, 32]), w([32, 1], [0, 32])), 0);
  // 'a' vs 'a' + a weight below the space weight: the longer one is smaller
  assert.equal(compareWeights(c, w([32, 1], []), w([32, 1, 1, 0], [])), 1);
  assert.equal(compareWeights(c, w([32, 1], [0, 32]), w([32, 1, 2, 9, 2, 9], [0, 32, 0, 32])), 0);
  // primary equal: the second level decides
  assert.equal(compareWeights(c, w([32, 1], [0, 33]), w([32, 1], [0, 32])), 1);
  assert.equal(compareWeights({ ...c, padSpace: false }, w([32, 1], []), w([32, 1, 1, 0], [])), -1);
});

test('key tuples ordered by weights must be weighed first', () => {
  const key: ChunkKey = {
    columns: ['k'],
    indexes: [0],
    types: [{ kind: 'string' }],
    orders: [
      {
        by: 'weights',
        collation: {
          name: 'x_ci',
          charset: 'x',
          padSpace: true,
          levels: [],
          spaceWeights: [Uint8Array.of(32)],
        },
      },
    ],
    unique: true,
  };
  const [a, b] = [['a'], ['A ']];
  assert.throws(() => compareKeys(key, a, b), /compared before its x_ci weights were read/);
  setKeyWeights(a, [[Uint8Array.of(65)]]);
  setKeyWeights(b, [[Uint8Array.of(65)]]);
  assert.equal(compareKeys(key, a, b), 0);
  assert.equal(compareKeys(key, [null], b), -1);
});

test('UUID and INET6 keys: by the bytes the server orders them by; a value that is none is an error', () => {
  const key = (format: 'uuid' | 'inet6'): ChunkKey => ({
    columns: ['k'],
    indexes: [0],
    types: [{ kind: 'string' }],
    orders: [{ by: 'fixed-binary', format }],
    unique: true,
  });
  // a time-based UUID sorts by its node first
  assert.equal(
    compareKeys(
      key('uuid'),
      ['ffffffff-0000-1000-8000-000000000000'],
      ['00000000-0000-1000-8000-000000000001'],
    ),
    -1,
  );
  assert.equal(compareKeys(key('inet6'), ['::ffff:1.2.3.4'], ['fe80::']), -1);
  assert.equal(compareKeys(key('inet6'), ['::1'], ['0:0:0:0:0:0:0:1']), 0);
  assert.throws(
    () => compareKeys(key('uuid'), ['not a uuid'], ['00000000-0000-1000-8000-000000000001']),
    /SOURCE_SCHEMA|cannot order the chunk key value "not a uuid"/,
  );
});

test('SET by bitmask, ENUM by index; their range literals are those numbers, BIT too', () => {
  const set = { kind: 'set', values: ['b', 'a', 'c'] } as const;
  assert.equal(compareValues(set, 'a', 'b,c'), -1); // 2 < 5
  assert.equal(compareValues(set, 'b,a', 'c'), -1); // 3 < 4
  assert.equal(compareValues(set, '', 'b'), -1);
  const en = { kind: 'enum', values: ['z', 'a'] } as const;
  assert.equal(compareValues(en, 'z', 'a'), -1);
  const key = (t: ChunkKey['types'][number]): ChunkKey => ({
    columns: ['k'],
    indexes: [0],
    types: [t],
    orders: [{ by: 'value' }],
    unique: true,
  });
  assert.equal(rangeCondition(key(set), { lo: ['b,c'], hi: null }), '`k` >= 5');
  assert.equal(rangeCondition(key(en), { lo: ['a'], hi: null }), '`k` >= 2');
  assert.equal(
    rangeCondition(key({ kind: 'bit', length: 12 }), { lo: [Uint8Array.of(1, 2)], hi: null }),
    '`k` >= 258',
  );
});
