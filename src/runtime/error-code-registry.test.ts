import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createErrorCodeRegistry } from '../connectors/index.js';
import { defineErrorCodes } from '../event/tidemark-error.js';
import { ErrorCodeRegistry } from './error-code-registry.js';

test('two owners cannot define one code', () => {
  const a = defineErrorCodes('a', { X_ONE: { summary: 'one' } });
  const b = defineErrorCodes('b', { X_ONE: { summary: 'other' } });
  assert.throws(() => new ErrorCodeRegistry().add(a).add(b), /X_ONE is defined by a and by b/);
});

test('every code thrown in src is registered, with its owner', () => {
  const registry = createErrorCodeRegistry();
  const srcDir = join(import.meta.dirname, '..');
  const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
  );
  const used = new Set<string>();
  for (const f of files) {
    const text = readFileSync(join(srcDir, f), 'utf8');
    for (const m of text.matchAll(/(?:TidemarkError|super)\(\s*'([A-Z][A-Z_]+)'/g)) used.add(m[1]!);
  }
  assert.ok(used.size >= 15, `found only ${used.size} codes`);
  for (const code of used) assert.ok(registry.get(code), `${code} is thrown but not registered`);
  assert.equal(registry.get('SOURCE_BINLOG_DECODE')?.owner, 'mysql');
  assert.equal(registry.get('SINK_WRITE')?.owner, 'core');
});
