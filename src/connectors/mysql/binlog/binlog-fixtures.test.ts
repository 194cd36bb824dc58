/**
 * Decodes every captured binlog case of shared/fixtures/mysql-binlog and compares the decoded row
 * images with the `###` output of mysqlbinlog (origin server's, or the local mariadb-binlog).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RowImage } from './binlog-event.js';
import { BinlogDecoder } from './binlog-decoder.js';
import { parseMysqlbinlogRows, renderMysqlbinlogValue, type MysqlbinlogImage } from './mysqlbinlog-text.js';
import type { TableMapColumn } from './column-value.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const fixtures = join(repoRoot, '..', 'shared', 'fixtures', 'mysql-binlog');
const casesDir = join(fixtures, 'cases');

interface DecodedImage {
  readonly table: string;
  readonly part: 'WHERE' | 'SET';
  readonly statement: string;
  readonly row: RowImage;
  readonly columns: readonly TableMapColumn[];
}

function decodeCase(dir: string): DecodedImage[] {
  const bin = readFileSync(join(dir, 'events.bin'));
  assert.equal(bin.readUInt32BE(0), 0xfe62696e, 'binlog magic');
  const decoder = new BinlogDecoder();
  const images: DecodedImage[] = [];
  let p = 4;
  while (p < bin.length) {
    const size = bin.readUInt32LE(p + 9);
    const ev = decoder.decode(bin.subarray(p, p + size), { file: 'events.bin', pos: p });
    if (ev.type === 'rows') {
      const tm = decoder.tableMap(ev.tableId);
      assert.ok(tm);
      const table = `\`${ev.schema}\`.\`${ev.table}\``;
      const statement = ev.kind === 'write' ? 'INSERT' : ev.kind === 'update' ? 'UPDATE' : 'DELETE';
      for (const r of ev.rows) {
        if (r.before) images.push({ table, part: 'WHERE', statement, row: r.before, columns: tm.columns });
        if (r.after) images.push({ table, part: 'SET', statement, row: r.after, columns: tm.columns });
      }
    }
    p += size;
  }
  return images;
}

const caseNames = existsSync(casesDir)
  ? readdirSync(casesDir)
      .filter((c) => c.startsWith('case-'))
      .sort()
  : [];

// CI clones the repository with shared/ beside it: there the fixtures must be found, never skipped.
test(
  'fixtures are present',
  { skip: caseNames.length === 0 && !process.env.CI ? `no fixtures at ${casesDir}` : false },
  () => {
    assert.ok(
      caseNames.length >= 292,
      `expected the 292 captured cases in ${casesDir}, found ${caseNames.length}`,
    );
  },
);

test('every captured case decodes and matches mysqlbinlog row by row', () => {
  let comparedCases = 0;
  let comparedImages = 0;
  let comparedValues = 0;
  const disagreements: string[] = [];
  for (const name of caseNames) {
    const dir = join(casesDir, name);
    let decoded: DecodedImage[];
    try {
      decoded = decodeCase(dir);
    } catch (e) {
      disagreements.push(`${name}: ${(e as Error).message}`);
      continue;
    }
    const expectedFile = ['expected.txt', 'expected.mariadb-binlog.txt']
      .map((f) => join(dir, f))
      .find((f) => existsSync(f));
    if (expectedFile === undefined) continue;
    const expected: MysqlbinlogImage[] = parseMysqlbinlogRows(readFileSync(expectedFile).toString('latin1'));
    if (expected.length === 0) continue;
    comparedCases++;
    // A dump cut by its author gives a prefix; otherwise the image counts must agree.
    const truncated = expected.length < decoded.length && isTruncatedDump(dir);
    if (!truncated && expected.length !== decoded.length) {
      disagreements.push(
        `${name}: ${decoded.length} decoded row images, mysqlbinlog printed ${expected.length}`,
      );
    }
    const n = Math.min(expected.length, decoded.length);
    for (let i = 0; i < n; i++) {
      const e = expected[i]!;
      const d = decoded[i]!;
      comparedImages++;
      if (e.part !== d.part || e.statement !== d.statement || e.table !== d.table) {
        disagreements.push(
          `${name} image ${i}: ${d.statement} ${d.table} ${d.part} vs ${e.statement} ${e.table} ${e.part}`,
        );
        continue;
      }
      d.row.forEach((v, c) => {
        if (v === undefined) {
          if (e.values.has(c + 1)) disagreements.push(`${name} image ${i} @${c + 1}: absent but printed`);
          return;
        }
        const want = e.values.get(c + 1);
        // mysqlbinlog -v on a cut dump may lack the tail of the last image.
        if (want === undefined && i === n - 1 && expected.length < decoded.length) return;
        const got = renderMysqlbinlogValue(v, d.columns[c]!);
        comparedValues++;
        if (want === undefined) {
          disagreements.push(`${name} image ${i} @${c + 1}: decoded but not printed`);
          return;
        }
        const g = lossyUtf8(got);
        const w = lossyUtf8(want);
        // mariadb-binlog stops printing very long BLOB values part-way: compare the printed prefix.
        if (g !== w && !(w.length > 16384 && g.startsWith(w.slice(0, -1)))) {
          disagreements.push(
            `${name} image ${i} @${c + 1}: decoded ${JSON.stringify(got)}, mysqlbinlog ${JSON.stringify(want)}`,
          );
        }
      });
    }
  }
  console.log(
    `binlog fixtures: ${caseNames.length} cases decoded; compared ${comparedCases} cases, ${comparedImages} row images, ${comparedValues} values; ${disagreements.length} disagreements`,
  );
  assert.deepEqual(
    disagreements.slice(0, 30).map((d) => (d.length > 240 ? `${d.slice(0, 240)}...` : d)),
    [],
  );
});

/** A text dump whose `###` lines run to the end of the file (cut by its author): a prefix. */
function isTruncatedDump(dir: string): boolean {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { block_problems?: string[] };
  return (meta.block_problems ?? []).some((p) => p.includes('truncated'));
}

/**
 * Both sides are byte strings (latin1); the mariadb-binlog outputs were stored as UTF-8 with
 * invalid sequences replaced by U+FFFD, so compare after lossy UTF-8 decoding without them.
 */
function lossyUtf8(s: string): string {
  // Decoders disagree on how many U+FFFD an invalid sequence becomes: drop them all.
  return Buffer.from(s, 'latin1').toString('utf8').replaceAll('\uFFFD', '');
}
