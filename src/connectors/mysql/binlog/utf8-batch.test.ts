import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { test } from 'node:test';
import type { Value } from '../../../event/column-type.js';
import { decodeUtf8, Utf8Batch } from './utf8-batch.js';
import { Prng } from '../../../../test/support/prng.js';

/** Deterministic random numbers in [0, 1) (the tests' seeded generator). */
function prng(seed: number): () => number {
  const g = new Prng(seed);
  return () => g.next();
}

const PIECES = ['a', 'Z', ' ', '\0', 'é', 'ß', '東', '京', '🌊', '𝄞', 'Ω', '\u{ffff}', '\u{10ffff}'];
const BAD = [
  [0xff],
  [0xc3],
  [0xe2, 0x82],
  [0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xc0, 0xaf],
];

/** Random value bytes: valid text, ASCII only, or text with invalid sequences. */
function randomValue(rnd: () => number, mode: 'ascii' | 'text' | 'bad', maxLen: number): Buffer {
  const len = Math.floor(rnd() * maxLen);
  const parts: Buffer[] = [];
  for (let i = 0; i < len; i++) {
    if (mode === 'bad' && rnd() < 0.1) parts.push(Buffer.from(BAD[Math.floor(rnd() * BAD.length)]!));
    else if (mode === 'ascii') parts.push(Buffer.from([32 + Math.floor(rnd() * 95)]));
    else parts.push(Buffer.from(PIECES[Math.floor(rnd() * PIECES.length)]!));
  }
  return Buffer.concat(parts);
}

/** Values laid out with junk between them, as in a rows event; returns the buffer and each value's range. */
function layout(values: Buffer[]): { buf: Buffer; spans: [number, number][] } {
  const parts: Buffer[] = [];
  const spans: [number, number][] = [];
  let pos = 0;
  for (const v of values) {
    parts.push(Buffer.from([0xfe, 0x80, 0x00]));
    pos += 3;
    spans.push([pos, pos + v.length]);
    parts.push(v);
    pos += v.length;
  }
  return { buf: Buffer.concat(parts), spans };
}

test('Utf8Batch gives each value what utf8Slice gives it (ASCII, text, NULs); ill-formed bytes throw naming the column', () => {
  const rnd = prng(7);
  const batch = new Utf8Batch();
  for (let round = 0; round < 600; round++) {
    const mode = (['ascii', 'text', 'bad'] as const)[round % 3]!;
    const values = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () =>
      // now and then a value with text in an ASCII batch, or a long one
      randomValue(rnd, rnd() < 0.05 ? 'text' : mode, rnd() < 0.02 ? 9000 : 60),
    );
    const { buf, spans } = layout(values);
    const row: (Value | undefined)[] = new Array<Value | undefined>(values.length).fill(null);
    const bad = values.findIndex((v) => !isUtf8(v));
    if (bad >= 0) {
      // a long value is decoded when it is added: it throws itself
      assert.throws(
        () => {
          spans.forEach(([s, e], i) => batch.add(buf, s, e, row, i));
          batch.resolve((c) => `c${c}`);
        },
        new RegExp(`^Error: (column c${bad}: )?utf8 bytes`),
      );
      batch.clear();
      continue;
    }
    spans.forEach(([s, e], i) => batch.add(buf, s, e, row, i));
    batch.resolve();
    const want = spans.map(([s, e]) => buf.toString('utf8', s, e));
    assert.deepEqual(row, want, `round ${round} (${mode})`);
  }
});

test('Utf8Batch: repeats, values past the direct-decode size, a scratch that grows, clear', () => {
  const batch = new Utf8Batch();
  const long = Buffer.from('東京🌊'.repeat(3000)); // 30 KB: decoded at once
  const longAscii = Buffer.from('x'.repeat(20_000));
  const short = Buffer.from('Grüße');
  const { buf, spans } = layout([short, long, longAscii, Buffer.from('a\0b')]);
  const row: (Value | undefined)[] = [null, null, null, null, null, null];
  const k0 = batch.add(buf, spans[0]![0], spans[0]![1], row, 0);
  assert.equal(batch.add(buf, spans[1]![0], spans[1]![1], row, 1), -1);
  assert.equal(row[1], long.toString('utf8'), 'decoded at once');
  assert.equal(batch.add(buf, spans[2]![0], spans[2]![1], row, 2), -1);
  assert.equal(row[2], longAscii.toString('latin1'));
  batch.repeat(row, 3, k0);
  batch.add(buf, spans[3]![0], spans[3]![1], row, 4);
  batch.resolve();
  assert.deepEqual(row, ['Grüße', long.toString(), longAscii.toString(), 'Grüße', 'a\0b', null]);

  // Many values: the scratch grows past its first 64 KiB; the batch empties after resolve.
  const many = Array.from({ length: 9000 }, (_, i) => Buffer.from(`välue ${i}`));
  const laid = layout(many);
  const out: (Value | undefined)[] = new Array<Value | undefined>(many.length).fill(null);
  laid.spans.forEach(([s, e], i) => batch.add(laid.buf, s, e, out, i));
  assert.ok(batch.bytes > 64 * 1024);
  batch.resolve();
  assert.equal(batch.bytes, 0);
  assert.deepEqual(
    out,
    many.map((b) => b.toString()),
  );

  // clear() drops what is queued: nothing is set.
  const dropped: (Value | undefined)[] = [null];
  batch.add(buf, spans[0]![0], spans[0]![1], dropped, 0);
  batch.clear();
  batch.resolve();
  assert.deepEqual(dropped, [null]);
});

test('decodeUtf8 on its own equals utf8Slice; ill-formed bytes throw, never U+FFFD', () => {
  const rnd = prng(11);
  let bad = 0;
  for (let i = 0; i < 300; i++) {
    const v = randomValue(rnd, (['ascii', 'text', 'bad'] as const)[i % 3]!, 200);
    const { buf, spans } = layout([v]);
    const [s, e] = spans[0]!;
    if (isUtf8(v)) {
      assert.equal(decodeUtf8(buf, s, e), buf.toString('utf8', s, e));
    } else {
      bad++;
      assert.throws(() => decodeUtf8(buf, s, e), /^Error: utf8 bytes [0-9a-f]+ at byte \d+ of the value/);
    }
  }
  assert.ok(bad > 50);
});
