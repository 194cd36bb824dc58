/**
 * Smoke run of the CLI start-up benchmark (bench/cli-start/run.ts --small): it completes and prints
 * each command with its time, peak RSS and ratio to Node's own start. Not a timed assertion.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

test('bench/cli-start --small completes and prints the ratios', { timeout: 180_000 }, () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'cli-start', 'run.ts'), '--small'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 170_000,
    },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-4000));
  for (const name of ['node -e 0 \\(floor\\)', 'tidemark --help', 'tidemark validate'])
    assert.match(r.stdout, new RegExp(`\\| ${name} \\| \\d+ \\| \\d+\\.\\d \\| \\d+\\.\\d\\dx \\|`));
});
