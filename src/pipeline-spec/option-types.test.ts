import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import {
  describeOptions,
  opt,
  optionsJsonSchema,
  prefixMapOptionsOf,
  secretOptionsOf,
} from './option-types.js';

const schema = z
  .strictObject({
    host: opt
      .string()
      .meta({ examples: ['localhost'] })
      .describe('The host.'),
    port: opt.int(1, 65535).default(3306).describe('The port.'),
    password: opt.string().optional().meta({ secret: true }).describe('The password.'),
    timeout: opt.duration().default(30_000).meta({ advanced: true }).describe('Timeout.'),
    legacy: opt.bool().default(false).meta({ compat: true }).describe('Nothing.'),
    mode: opt.enum(['a', 'b']).default('a').describe('Mode.'),
    'jdbc.properties': opt.prefixMap().describe('Passed on.'),
  })
  .describe('A component.');

test('the docs read type, default and marks from the schema, through optional and default', () => {
  const docs = Object.fromEntries(describeOptions(schema).map((o) => [o.name, o]));
  assert.deepEqual(
    Object.values(docs).map((o) => [o.name, o.type, o.required, o.default]),
    [
      ['host', 'String', true, undefined],
      ['port', 'Integer', false, '3306'],
      ['password', 'String', false, undefined],
      ['timeout', 'Duration', false, '30s'],
      ['legacy', 'Boolean', false, 'false'],
      ['mode', 'Enum (a, b)', false, 'a'],
      ['jdbc.properties', 'Map', false, undefined],
    ],
  );
  assert.equal(docs.port!.description, 'The port.');
  assert.deepEqual(docs.host!.examples, ['localhost']);
  assert.equal(docs.password!.secret, true);
  assert.equal(docs.host!.secret, false);
  assert.equal(docs.timeout!.advanced, true);
  assert.equal(docs.legacy!.compat, true);
  assert.deepEqual(secretOptionsOf(schema), ['password']);
  assert.deepEqual(prefixMapOptionsOf(schema), ['jdbc.properties']);
});

test('every option type accepts its own output: validated options parse again unchanged', () => {
  const first = schema.parse({
    host: 5,
    port: '3307',
    password: 123,
    timeout: '2min',
    legacy: 'TRUE',
    mode: 'b',
    'jdbc.properties': { useSSL: 'true' },
  });
  assert.deepEqual(first, {
    host: '5',
    port: 3307,
    password: '123',
    timeout: 120_000,
    legacy: true,
    mode: 'b',
    'jdbc.properties': { useSSL: 'true' },
  });
  assert.deepEqual(schema.parse(first), first);
});

test('a value that is not of its type is named as written, in words (not a regex)', () => {
  const messages = (input: Record<string, unknown>): string[] =>
    schema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
  assert.deepEqual(messages({ host: 'h', port: 'abc' }), ['expected an integer, got "abc"']);
  assert.deepEqual(messages({ host: 'h', port: '${mysql.port}' }), [
    'expected an integer, got "${mysql.port}"',
  ]);
  assert.deepEqual(messages({ host: 'h', port: 1.5 }), ['expected an integer, got 1.5']);
});

test('the JSON Schema describes the options as written in YAML', () => {
  const js = optionsJsonSchema(schema) as {
    description: string;
    properties: Record<string, Record<string, unknown>>;
    patternProperties: Record<string, unknown>;
    required: string[];
    additionalProperties: boolean;
  };
  assert.equal(js.description, 'A component.');
  assert.deepEqual(js.required, ['host']);
  assert.equal(js.additionalProperties, false);
  assert.deepEqual(js.properties.port, {
    anyOf: [
      { type: 'integer', minimum: 1, maximum: 65535 },
      { type: 'string', pattern: '^\\s*-?\\d+\\s*$' },
    ],
    description: 'The port.',
    default: 3306,
  });
  assert.equal(js.properties.password!.writeOnly, true);
  assert.equal(js.properties.timeout!.default, '30s');
  assert.equal(js.properties.timeout!['x-advanced'], true);
  assert.equal(js.properties.legacy!['x-accepted-for-compatibility'], true);
  assert.deepEqual(js.properties.mode!.enum, ['a', 'b']);
  assert.deepEqual(js.properties.host!.examples, ['localhost']);
  // prefixed keys, never a nested map
  assert.equal(js.properties['jdbc.properties'], undefined);
  const [pattern] = Object.keys(js.patternProperties);
  assert.ok(new RegExp(pattern!).test('jdbc.properties.useSSL'));
  assert.ok(!new RegExp(pattern!).test('jdbcXproperties.useSSL'));
});
