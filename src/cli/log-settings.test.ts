import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLogSettings } from './log-settings.js';

test('defaults: info; text on a terminal, json otherwise', () => {
  assert.deepEqual(resolveLogSettings({}, {}, true), { level: 'info', format: 'text' });
  assert.deepEqual(resolveLogSettings({}, {}, false), { level: 'info', format: 'json' });
});

test('TIDEMARK_LOG_LEVEL in any case; flags win over the environment', () => {
  assert.equal(resolveLogSettings({}, { TIDEMARK_LOG_LEVEL: 'WARN' }, false).level, 'warn');
  assert.equal(resolveLogSettings({}, { TIDEMARK_LOG_LEVEL: 'Debug' }, false).level, 'debug');
  assert.equal(resolveLogSettings({ verbose: true }, { TIDEMARK_LOG_LEVEL: 'error' }, false).level, 'debug');
  assert.equal(resolveLogSettings({ quiet: true }, { TIDEMARK_LOG_LEVEL: 'debug' }, false).level, 'warn');
  assert.equal(
    resolveLogSettings({ logFormat: 'text' }, { TIDEMARK_LOG_FORMAT: 'json' }, false).format,
    'text',
  );
  assert.equal(resolveLogSettings({}, { TIDEMARK_LOG_FORMAT: 'JSON' }, true).format, 'json');
});

test('an unknown level or format is an error that lists the known ones', () => {
  assert.throws(
    () => resolveLogSettings({}, { TIDEMARK_LOG_LEVEL: 'loud' }, false),
    /TIDEMARK_LOG_LEVEL=loud is not a log level: one of debug, info, warn, error/,
  );
  assert.throws(
    () => resolveLogSettings({ logFormat: 'xml' }, {}, false),
    /--log-format xml is not a log format: text or json/,
  );
  assert.throws(
    () => resolveLogSettings({ quiet: true, verbose: true }, {}, false),
    /cannot be used together/,
  );
});
