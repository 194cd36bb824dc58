/**
 * Smoke run of the job server benchmark (bench/server/run.ts --small): it completes and prints both
 * setups and their ratios. Not a timed assertion.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

test('bench/server --small completes and prints the ratios', { timeout: 240_000 }, () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'server', 'run.ts'), '--small'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 230_000,
    },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-4000));
  assert.match(r.stdout, /\| one tidemark server \| \d+ \| \d+ \| \d+\.\d\d \| \d+\.\d \|/);
  assert.match(r.stdout, /\| 3 tidemark run processes \| \d+ \| \d+ \| \d+\.\d\d \| \d+\.\d \|/);
  assert.match(
    r.stdout,
    /\| ratio server \/ separate \| \d+\.\d\dx \| \d+\.\d\dx \| \d+\.\d\dx \| \d+\.\d\dx \|/,
  );
});
