/**
 * Fuzzing of the binlog decoder: valid events from the captured fixtures, with random byte flips,
 * truncations and size-field edits (seeded, reproducible), decoded with CRC verification off and
 * on. Every outcome must be a decoded event or a TidemarkError SOURCE_BINLOG_DECODE naming the
 * `file:pos` it was given: never another exception type, never a hang.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isTidemarkError } from '../../../event/tidemark-error.js';
import { BinlogDecoder } from './binlog-decoder.js';
import { Prng } from '../../../../test/support/prng.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const casesDir = join(repoRoot, '..', 'shared', 'fixtures', 'mysql-binlog', 'cases');

/** Deterministic random numbers in [0, 1) (the tests' seeded generator). */
function prng(seed: number): () => number {
  const g = new Prng(seed);
  return () => g.next();
}

/** The events of one case: the Format_description first. */
function caseEvents(dir: string): Buffer[] {
  const bin = readFileSync(join(dir, 'events.bin'));
  const out: Buffer[] = [];
  let p = 4;
  while (p + 19 <= bin.length) {
    const size = bin.readUInt32LE(p + 9);
    if (size < 19 || p + size > bin.length) break;
    out.push(bin.subarray(p, p + size));
    p += size;
  }
  return out;
}

function mutate(ev: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(ev);
  const kind = Math.floor(rnd() * 5);
  const flips = 1 + Math.floor(rnd() * 4);
  const flip = (from: number): void => {
    if (b.length <= from) return;
    const i = from + Math.floor(rnd() * (b.length - from));
    b[i] = b[i]! ^ (1 + Math.floor(rnd() * 255));
  };
  switch (kind) {
    case 0: // flips anywhere after the header
      for (let i = 0; i < flips; i++) flip(19);
      return b;
    case 1: // flips anywhere, header included
      for (let i = 0; i < flips; i++) flip(0);
      return b;
    case 2: {
      // truncated, with the size field telling the truth or not
      const len = Math.floor(rnd() * b.length);
      const t = Buffer.from(b.subarray(0, len));
      if (len >= 13 && rnd() < 0.5) t.writeUInt32LE(len, 9);
      return t;
    }
    case 3: {
      // a lying size field
      const size = rnd() < 0.5 ? Math.floor(rnd() * b.length) : b.length + Math.floor(rnd() * 100);
      b.writeUInt32LE(size, 9);
      return b;
    }
    default: {
      // flips, then truncated (size field adjusted)
      for (let i = 0; i < flips; i++) flip(19);
      const len = 19 + Math.floor(rnd() * (b.length - 19));
      const t = Buffer.from(b.subarray(0, len));
      t.writeUInt32LE(len, 9);
      return t;
    }
  }
}

const caseNames = existsSync(casesDir)
  ? readdirSync(casesDir)
      .filter((c) => c.startsWith('case-'))
      .sort()
  : [];

test(
  'fuzzed events decode or fail with SOURCE_BINLOG_DECODE naming file:pos',
  { skip: caseNames.length === 0 ? 'no fixtures checked out' : false },
  () => {
    const groups = caseNames.map((c) => caseEvents(join(casesDir, c))).filter((g) => g.length >= 2);
    const rnd = prng(20261122);
    const variants = 12_000;
    const deadline = Date.now() + 20_000;
    const outcomes = { decoded: 0, rejected: 0 };
    const bad: string[] = [];
    let slowest = 0;
    for (let v = 0; v < variants && Date.now() < deadline; v++) {
      const group = groups[Math.floor(rnd() * groups.length)]!;
      const target = Math.floor(rnd() * group.length);
      const mutated = mutate(group[target]!, rnd);
      for (const verifyChecksums of [false, true]) {
        const d = new BinlogDecoder({ verifyChecksums });
        // Events before the target decode as captured (the FDE and the Table_maps it needs);
        // after a mutated FDE, the rest of the group is decoded too, under that FDE.
        for (let i = 0; i < group.length; i++) {
          if (i > target && target !== 0) break;
          const buf = i === target ? mutated : group[i]!;
          const at = { file: `fuzz-${v}.bin`, pos: 4 + i };
          const t0 = performance.now();
          try {
            const ev = d.decode(buf, at);
            assert.equal(typeof ev.type, 'string');
            if (i === target) outcomes.decoded++;
          } catch (e) {
            if (i === target) outcomes.rejected++;
            const ok =
              isTidemarkError(e) &&
              e.code === 'SOURCE_BINLOG_DECODE' &&
              e.message.includes(`${at.file}:${at.pos}`);
            if (!ok && bad.length < 20) {
              const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
              bad.push(`variant ${v} event ${i} (verify ${verifyChecksums}): ${what}`);
            }
          }
          slowest = Math.max(slowest, performance.now() - t0);
        }
      }
    }
    console.log(
      `binlog fuzz: ${outcomes.decoded} mutated events decoded, ${outcomes.rejected} rejected; slowest decode ${slowest.toFixed(1)} ms`,
    );
    assert.deepEqual(bad, []);
    assert.ok(slowest < 2000, `a decode took ${slowest} ms`);
    assert.ok(outcomes.decoded + outcomes.rejected >= 2 * Math.min(variants, 1000));
  },
);
