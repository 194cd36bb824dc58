/**
 * Smoke run of the binlog-decode benchmark (bench/binlog-decode/run.ts --small): it completes,
 * prints its tables and the speed ratios, and tidemark's sample matches SELECT. Not a timed
 * assertion: speed is for the full run (`npm run bench:binlog`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

test('bench/binlog-decode --small completes and prints the ratios', { timeout: 180_000 }, () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'binlog-decode', 'run.ts'), '--small'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 170_000,
    },
  );
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out.slice(-4000));
  for (const name of ['tidemark', '@vlasky/zongji', 'mariadb-binlog'])
    assert.match(r.stdout, new RegExp(`\\| ${name.replace('/', '\\/')} `));
  assert.match(r.stdout, /update: tidemark\/zongji \d+\.\d\dx .*tidemark\/mariadb-binlog \d+\.\d\dx/);
  assert.match(r.stdout, /wide: tidemark\/zongji \d+\.\d\dx .*tidemark\/mariadb-binlog \d+\.\d\dx/);
  assert.match(r.stdout, /bench\.wide: \d+ rows, \d+ values, 0 mismatches/);
  assert.match(r.stdout, /bench\.sbtest: \d+ rows, \d+ values, 0 mismatches/);
});
