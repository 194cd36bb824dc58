import { z } from 'zod';

/**
 * What an option's schema says about it beyond validation, set with zod's `.meta()`; the generated
 * docs, the JSON Schema (`tidemark docs --json`) and the spec loader read it from the schema.
 */
export interface OptionMeta {
  /** The type as the docs name it (String, Integer, Duration, ...); set by the `opt.*` builders. */
  optionType?: string;
  /** Bounds of an `opt.int` (for the JSON Schema). */
  minimum?: number;
  maximum?: number;
  /** Values of an `opt.enum`. */
  values?: readonly string[];
  /** A secret (a password): its value is never logged or printed. */
  secret?: boolean;
  /** Tuning most pipelines leave alone; listed after the others in the docs. */
  advanced?: boolean;
  /** Accepted so that Flink CDC pipelines load unchanged; tidemark needs no such setting. */
  compat?: boolean;
  /** A free-form map option: keys `<name>.<key>` in the YAML (Flink CDC's `jdbc.properties.*`). */
  prefixMap?: boolean;
  /** Of a map option: the keys whose values are secrets (a case-insensitive regular expression). */
  secretKeys?: string;
}

declare module 'zod' {
  // zod's `.meta()` accepts these keys, typed (declaration merging needs the interface form)
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface GlobalMeta extends OptionMeta {}
}

/**
 * Option value types as Flink CDC's YAML treats them: every scalar may be written as a string or
 * as a YAML number/boolean (`password: 123456`, `port: "3306"`), so each type coerces from both
 * and then checks. Each accepts its own output too (a validated option parses again unchanged).
 * The `.describe()` text of every option becomes the generated docs.
 */
export const opt = {
  /** Any scalar, kept as its text ("123456" stays "123456"). */
  string: () =>
    z
      .union([z.string(), z.number(), z.boolean()], { error: expected('a single value (text or a number)') })
      .transform((v) => (typeof v === 'string' ? v : String(v)))
      .meta({ optionType: 'String' }),

  int: (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
    z
      .union([z.number(), z.string().regex(INTEGER_TEXT, { error: expected('an integer') })], {
        error: expected('an integer'),
      })
      .transform((v) => (typeof v === 'number' ? v : Number(v.trim())))
      .pipe(
        z
          .number()
          .int({ error: expected('an integer') })
          .min(min, { error: expected(`an integer of at least ${min}`) })
          .max(max, { error: expected(`an integer of at most ${max}`) }),
      )
      .meta({
        optionType: 'Integer',
        ...(min > Number.MIN_SAFE_INTEGER ? { minimum: min } : {}),
        ...(max < Number.MAX_SAFE_INTEGER ? { maximum: max } : {}),
      }),

  bool: () =>
    z
      .union([z.boolean(), z.enum(BOOLEAN_TEXTS)], { error: expected('true or false') })
      .transform((v) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true'))
      .meta({ optionType: 'Boolean' }),

  /** Flink duration text: "30s", "500ms", "5min", "1h", "2d", or a bare number of milliseconds. */
  duration: () =>
    z
      .union([z.number(), z.string()], { error: expected('a duration such as 30s, 500ms, 5min') })
      .transform((v, ctx) => {
        const ms = parseDuration(v);
        if (ms === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a duration such as 30s, 500ms, 5min (got ${String(v)})`,
          });
          return z.NEVER;
        }
        return ms;
      })
      .meta({ optionType: 'Duration' }),

  enum: <const T extends readonly [string, ...string[]]>(values: T) =>
    z
      .union([z.string(), z.number()], { error: expected(`one of: ${values.join(', ')}`) })
      .transform((v) => String(v))
      .pipe(z.enum(values, { error: expected(`one of: ${values.join(', ')}`) }))
      .meta({ optionType: `Enum (${values.join(', ')})`, values }),

  /** A list of strings: a YAML sequence (`[a, b]`) or comma-separated text (`a, b`). */
  list: () =>
    z
      .union([z.array(z.union([z.string(), z.number(), z.boolean()])), z.string()], {
        error: expected('a list: [a, b] or a, b'),
      })
      .transform((v) =>
        (typeof v === 'string' ? v.split(',') : v.map(String)).map((s) => s.trim()).filter((s) => s !== ''),
      )
      .meta({ optionType: 'List' }),

  /**
   * A free-form string map written as prefixed keys (`jdbc.properties.useSSL: false`); the values
   * of keys matching `secretKeys` are secrets.
   */
  prefixMap: (secretKeys?: RegExp) =>
    z
      .record(z.string(), z.string())
      .optional()
      .meta({
        optionType: 'Map',
        prefixMap: true,
        ...(secretKeys ? { secretKeys: secretKeys.source } : {}),
      }),
};

/** Names of client settings that hold secrets (`sasl.password`, `sasl.jaas.config`, `ssl.key.pem`, …). */
export const SECRET_SETTING_NAMES = /(password|secret|token|jaas|\.key$|key\.pem|credentials)/i;

/** A zod error message "expected …, got …" that shows the value as it was written. */
function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => `expected ${what}, got ${shown(issue.input)}`;
}

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return typeof v === 'number' || typeof v === 'boolean' || v === null ? String(v) : typeof v;
}

const INTEGER_TEXT = /^\s*-?\d+\s*$/;
const BOOLEAN_TEXTS = ['true', 'false', 'TRUE', 'FALSE', 'True', 'False'] as const;

export interface OptionDoc {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default: string | undefined;
  readonly description: string;
  readonly secret: boolean;
  readonly advanced: boolean;
  readonly compat: boolean;
  readonly prefixMap: boolean;
  readonly examples: readonly unknown[];
}

/** One option's schema with its optional/default wrappers taken off, and what they said. */
interface UnwrappedOption {
  readonly inner: z.ZodType;
  readonly meta: z.GlobalMeta;
  readonly required: boolean;
  readonly defaultValue: unknown;
}

function unwrapOption(schema: z.ZodType): UnwrappedOption {
  let cur = schema;
  let required = true;
  let defaultValue: unknown;
  let meta: z.GlobalMeta = {};
  for (;;) {
    meta = { ...cur.meta(), ...meta }; // the outer wrapper's metadata wins
    if (cur instanceof z.ZodDefault) {
      required = false;
      defaultValue = cur.def.defaultValue;
      cur = cur.unwrap() as z.ZodType;
    } else if (cur instanceof z.ZodOptional) {
      required = false;
      cur = cur.unwrap() as z.ZodType;
    } else {
      return { inner: cur, meta: { ...cur.meta(), ...meta }, required, defaultValue };
    }
  }
}

/** Documentation rows for a strict object schema built from `opt.*` types. */
export function describeOptions(schema: z.ZodObject): OptionDoc[] {
  return Object.entries(schema.shape).map(([name, s]) => {
    const { meta, required, defaultValue } = unwrapOption(s as z.ZodType);
    const type = meta.optionType ?? 'String';
    return {
      name,
      type,
      required,
      default:
        defaultValue === undefined
          ? undefined
          : type === 'Duration' && typeof defaultValue === 'number'
            ? formatDuration(defaultValue)
            : typeof defaultValue === 'string'
              ? defaultValue
              : JSON.stringify(defaultValue),
      description: meta.description ?? '',
      secret: meta.secret === true,
      advanced: meta.advanced === true,
      compat: meta.compat === true,
      prefixMap: meta.prefixMap === true,
      examples: Array.isArray(meta.examples) ? (meta.examples as unknown[]) : [],
    };
  });
}

/** The option names of a strict object schema (the keys of its shape). */
export function optionNamesOf(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}

/** Options whose values are secrets (marked `secret` in the schema). */
export function secretOptionsOf(schema: z.ZodObject): string[] {
  return describeOptions(schema)
    .filter((o) => o.secret)
    .map((o) => o.name);
}

/** The secret values of a validated options object: secret options and secret keys of maps. */
export function secretValuesOf(schema: z.ZodObject, options: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [name, s] of Object.entries(schema.shape)) {
    const { meta } = unwrapOption(s as z.ZodType);
    const v = options[name];
    if (meta.secret === true && typeof v === 'string' && v.length > 0) out.push(v);
    if (meta.secretKeys === undefined || typeof v !== 'object' || v === null) continue;
    const secretKey = new RegExp(meta.secretKeys, 'i');
    for (const [k, text] of Object.entries(v as Record<string, unknown>))
      if (secretKey.test(k) && typeof text === 'string' && text.length > 0) out.push(text);
  }
  return out;
}

/** Map options written as prefixed keys: `jdbc.properties` for `jdbc.properties.useSSL`. */
export function prefixMapOptionsOf(schema: z.ZodObject): string[] {
  return describeOptions(schema)
    .filter((o) => o.prefixMap)
    .map((o) => o.name);
}

/**
 * The JSON Schema (draft 2020-12) of a component's options as they are written in YAML: every
 * scalar may be text, secrets are `writeOnly`, and tidemark's own marks are `x-` keywords.
 */
export function optionsJsonSchema(schema: z.ZodObject): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const patternProperties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const o of describeOptions(schema)) {
    const { meta, defaultValue } = unwrapOption(schema.shape[o.name] as z.ZodType);
    if (o.prefixMap) {
      // written as `<name>.<key>: value`, never as a nested map
      patternProperties[`^${escapeRegex(o.name)}\\.`] = {
        type: ['string', 'number', 'boolean'],
        description: o.description,
        ...(meta.secretKeys !== undefined ? { 'x-secret-keys': meta.secretKeys } : {}),
      };
      continue;
    }
    const prop: Record<string, unknown> = { ...jsonType(meta), description: o.description };
    if (defaultValue !== undefined) prop.default = o.type === 'Duration' ? o.default : defaultValue;
    if (o.examples.length) prop.examples = o.examples;
    if (o.secret) prop.writeOnly = true;
    if (o.advanced) prop['x-advanced'] = true;
    if (o.compat) prop['x-accepted-for-compatibility'] = true;
    properties[o.name] = prop;
    if (o.required) required.push(o.name);
  }
  const description = schema.meta()?.description;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    ...(description !== undefined ? { description } : {}),
    properties,
    ...(Object.keys(patternProperties).length ? { patternProperties } : {}),
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}

function jsonType(meta: z.GlobalMeta): Record<string, unknown> {
  const scalar = { type: ['string', 'number', 'boolean'] };
  switch (meta.optionType) {
    case 'Integer':
      return {
        anyOf: [
          {
            type: 'integer',
            ...(meta.minimum !== undefined ? { minimum: meta.minimum } : {}),
            ...(meta.maximum !== undefined ? { maximum: meta.maximum } : {}),
          },
          { type: 'string', pattern: INTEGER_TEXT.source },
        ],
      };
    case 'Boolean':
      return { anyOf: [{ type: 'boolean' }, { enum: [...BOOLEAN_TEXTS] }] };
    case 'Duration':
      return {
        anyOf: [
          { type: 'number', minimum: 0 },
          { type: 'string', pattern: DURATION_TEXT.source },
        ],
      };
    case 'Map':
      return { type: 'object', additionalProperties: { type: 'string' } };
    case 'List':
      return { anyOf: [{ type: 'array', items: scalar }, { type: 'string' }] };
    case undefined:
    case 'String':
      return scalar;
    default:
      return meta.values ? { enum: [...meta.values] } : scalar;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const UNITS: Record<string, number> = {
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const DURATION_TEXT = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

/** Milliseconds of a Flink duration text, or undefined when it is not one. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  const m = DURATION_TEXT.exec(v);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : UNITS[unit];
  if (factor === undefined) return undefined;
  return Math.round(Number(m[1]) * factor);
}

/** "30s", "500ms", "5min": the shortest Flink duration text for a number of milliseconds. */
export function formatDuration(ms: number): string {
  for (const [unit, f] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= f && ms % f === 0) return `${ms / f}${unit}`;
  }
  return `${ms}ms`;
}
