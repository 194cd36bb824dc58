import { z } from 'zod';

/**
 * Option value types as Flink CDC's YAML treats them: every scalar may be written as a string or
 * as a YAML number/boolean (`password: 123456`, `port: "3306"`), so each type coerces from both
 * and then checks. The `.describe()` text of every option becomes the generated docs.
 */
export const opt = {
  /** Any scalar, kept as its text ("123456" stays "123456"). */
  string: () =>
    typed(
      'String',
      z
        .union([z.string(), z.number(), z.boolean()])
        .transform((v) => (typeof v === 'string' ? v : String(v))),
    ),

  int: (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
    typed(
      'Integer',
      z
        .union([z.number(), z.string().regex(/^\s*-?\d+\s*$/, 'expected an integer')])
        .transform((v) => (typeof v === 'number' ? v : Number(v.trim())))
        .pipe(z.number().int('expected an integer').min(min).max(max)),
    ),

  bool: () =>
    typed(
      'Boolean',
      z
        .union([z.boolean(), z.enum(['true', 'false', 'TRUE', 'FALSE', 'True', 'False'])])
        .transform((v) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true')),
    ),

  /** Flink duration text: "30s", "500ms", "5min", "1h", "2d", or a bare number of milliseconds. */
  duration: () =>
    typed(
      'Duration',
      z.union([z.number(), z.string()]).transform((v, ctx) => {
        const ms = parseDuration(v);
        if (ms === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a duration such as 30s, 500ms, 5min (got ${String(v)})`,
          });
          return z.NEVER;
        }
        return ms;
      }),
    ),

  enum: <const T extends readonly [string, ...string[]]>(values: T) =>
    typed(
      `Enum (${values.join(', ')})`,
      z
        .union([z.string(), z.number()])
        .transform((v) => String(v))
        .pipe(z.enum(values, { error: () => `expected one of: ${values.join(', ')}` })),
    ),
};

// Type labels for generated docs, keyed by the schema definition object, which zod shares between
// a schema and its clones (`.describe()`, `.default()` wrap or clone but keep the inner def).
const typeLabels = new WeakMap<object, string>();

function typed<S extends z.ZodType>(label: string, schema: S): S {
  typeLabels.set(schema._zod.def, label);
  return schema;
}

export interface OptionDoc {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default: string | undefined;
  readonly description: string;
}

/** Documentation rows for a strict object schema built from `opt.*` types. */
export function describeOptions(schema: z.ZodObject): OptionDoc[] {
  return Object.entries(schema.shape).map(([name, s]) => {
    let cur = s as z.ZodType;
    let required = true;
    let def: unknown;
    let description = cur.description;
    let type: string | undefined;
    for (let i = 0; i < 10 && type === undefined; i++) {
      type = typeLabels.get(cur._zod.def);
      description ??= cur.description;
      const d = cur._zod.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown };
      if (d.type === 'default') {
        required = false;
        def = d.defaultValue;
      } else if (d.type === 'optional') required = false;
      if (type !== undefined || !d.innerType) break;
      cur = d.innerType;
    }
    return {
      name,
      type: type ?? 'String',
      required,
      default:
        def === undefined
          ? undefined
          : type === 'Duration' && typeof def === 'number'
            ? formatDuration(def)
            : typeof def === 'string'
              ? def
              : JSON.stringify(def),
      description: description ?? '',
    };
  });
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

/** Milliseconds of a Flink duration text, or undefined when it is not one. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
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
