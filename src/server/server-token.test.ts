import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { authorized, loadOrCreateToken } from './server-token.js';

test('the token is generated once, kept with mode 0600, and checked exactly', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'tidemark-token-')), 'server');
  const first = await loadOrCreateToken(dir);
  assert.equal(first.created, true);
  assert.ok(first.token.length >= 40);
  assert.equal(statSync(first.path).mode & 0o777, 0o600);
  const again = await loadOrCreateToken(dir);
  assert.deepEqual([again.created, again.token], [false, first.token]);
  assert.equal(authorized(`Bearer ${first.token}`, first.token), true);
  assert.equal(authorized(`bearer ${first.token}`, first.token), true);
  for (const header of [
    undefined,
    '',
    'Bearer',
    `Bearer ${first.token}x`,
    `Basic ${first.token}`,
    first.token,
  ])
    assert.equal(authorized(header, first.token), false, String(header));
});
