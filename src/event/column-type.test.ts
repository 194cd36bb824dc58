import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameColumnType, type ColumnType } from './column-type.js';

test('sameColumnType: parameters compared whatever their order; undefined is not given; lists by value', () => {
  const same: [ColumnType, ColumnType][] = [
    [
      { kind: 'decimal', precision: 10, scale: 2 },
      { scale: 2, precision: 10, kind: 'decimal' },
    ],
    [
      { kind: 'decimal', precision: 10, scale: 2, unsigned: undefined },
      { kind: 'decimal', precision: 10, scale: 2 },
    ],
    [
      { kind: 'enum', values: ['a', 'b'] },
      { kind: 'enum', values: ['a', 'b'] },
    ],
    [{ kind: 'json' }, { kind: 'json' }],
  ];
  for (const [a, b] of same) {
    assert.ok(sameColumnType(a, b), JSON.stringify([a, b]));
    assert.ok(sameColumnType(b, a), JSON.stringify([b, a]));
  }
  const different: [ColumnType, ColumnType][] = [
    [
      { kind: 'decimal', precision: 10, scale: 2 },
      { kind: 'decimal', precision: 10, scale: 3 },
    ],
    [
      { kind: 'decimal', precision: 10, scale: 2, unsigned: true },
      { kind: 'decimal', precision: 10, scale: 2 },
    ],
    [
      { kind: 'enum', values: ['a', 'b'] },
      { kind: 'enum', values: ['b', 'a'] },
    ],
    [
      { kind: 'set', values: ['a'] },
      { kind: 'enum', values: ['a'] },
    ],
    [
      { kind: 'string', length: 20 },
      { kind: 'string', length: 20, charset: 'latin1' },
    ],
  ];
  for (const [a, b] of different) {
    assert.ok(!sameColumnType(a, b), JSON.stringify([a, b]));
    assert.ok(!sameColumnType(b, a), JSON.stringify([b, a]));
  }
});
