import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHUNK_ROWS } from './duckdb-chunk-writer.js';
import {
  TransactionFootprint,
  inPlaceUpdateBytes,
  indexKeyBytes,
  rowBytes,
  valueBytes,
} from './duckdb-transaction-footprint.js';

test('valueBytes: UTF-8 bytes of long text, bytes of BLOBs, plus a 16-byte header', () => {
  assert.equal(valueBytes(null), 16);
  assert.equal(valueBytes(12n), 16);
  assert.equal(valueBytes('abc'), 19);
  assert.equal(valueBytes('日'.repeat(2000)), 16 + 6000);
  assert.equal(valueBytes(new Uint8Array(1000)), 1016);
  assert.equal(rowBytes([1, 'ab', undefined]), 50);
});

test('the commit needs the largest vector of 2048 inserted rows, per table, across batches', () => {
  const f = new TransactionFootprint();
  const a = f.table('a');
  // 2048 small rows, then 10 large ones: a new vector
  for (let i = 0; i < CHUNK_ROWS; i++) a.insert(100);
  assert.equal(f.commitBytes, CHUNK_ROWS * 100);
  for (let i = 0; i < 10; i++) a.insert(1_000_000);
  assert.equal(f.commitBytes, 10_000_000);
  // another table's rows fill its own vectors; the same tracker continues the table's vector
  const b = f.table('b');
  for (let i = 0; i < 5; i++) b.insert(1_000_000);
  assert.equal(f.commitBytes, 10_000_000);
  for (let i = 0; i < 6; i++) f.table('b').insert(1_000_000);
  assert.equal(f.commitBytes, 11_000_000);
  assert.equal(f.totalBytes, CHUNK_ROWS * 100 + 21_000_000);
  f.batch(4_000_000);
  assert.equal(f.neededBytes, 11_000_000 + 8_000_000);
  f.hold(1_000_000);
  assert.equal(f.heldBytes, 1_000_000);
  assert.equal(f.neededBytes, 1_000_000 + 11_000_000 + 8_000_000);
  f.reset();
  assert.equal(f.neededBytes, 0);
  f.table('a').insert(5);
  assert.equal(f.commitBytes, 5, 'a new transaction starts new vectors');
});

test('held until the commit: ~2.5 times the bytes of a row updated in place, an index key', () => {
  // a BIGINT and 100 bytes of text: DuckDB took ~296 bytes a row
  assert.equal(inPlaceUpdateBytes(rowBytes([1n, 'x'.repeat(100)]), 2), 48 + 250);
  assert.equal(inPlaceUpdateBytes(rowBytes([1n, 2n]), 2), 48);
  assert.equal(indexKeyBytes(rowBytes([1n])), 48);
});
