import type { ColumnType, Value } from '../../event/column-type.js';
import { compileDatePattern, type DatePattern, type DateTimeFields } from './datetime-pattern.js';
import {
  BIGINT,
  DATE,
  INT,
  isInteger,
  isString,
  isTimestamp,
  STRING,
  type Compiled,
  type ExprType,
} from './expression-types.js';
import {
  arity,
  expectArg,
  num,
  strict,
  symbolArg,
  type BuiltinFunction,
  type CallSite,
} from './function-kit.js';
import { plusMonths } from './interval-arithmetic.js';
import {
  MS_PER_DAY,
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTime,
  formatTimestamp,
  parseDate,
  parseTime,
  parseTimestamp,
  type Stamp,
} from './temporal-values.js';
import { localToUtc, resolveTimeZone, utcToLocal, type TimeZone } from './time-zone.js';

const UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH', 'YEAR'] as const;
const EXTRACT_UNITS = [
  'YEAR',
  'QUARTER',
  'MONTH',
  'WEEK',
  'DAY',
  'DOY',
  'DOW',
  'HOUR',
  'MINUTE',
  'SECOND',
] as const;
const UNIT_MS: Record<string, number> = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: MS_PER_DAY };

/** The wall clock (ms as if UTC, + µs) of a temporal value, TIMESTAMP_LTZ seen in `zone`. */
function wallClock(v: Value, t: ExprType, zone: TimeZone): Stamp | undefined {
  if (t.kind === 'date') {
    const d = parseDate(v as string);
    return d === undefined ? undefined : { ms: d * MS_PER_DAY, us: 0 };
  }
  if (t.kind === 'time') {
    const us = parseTime(v as string);
    return us === undefined ? undefined : { ms: Math.floor(us / 1000), us: us % 1000 };
  }
  const s = parseTimestamp(v as string);
  if (!s || t.kind !== 'timestamp_ltz') return s;
  return { ms: utcToLocal(s.ms, zone), us: s.us };
}

function fields(s: Stamp, offsetMs?: number): DateTimeFields {
  const days = Math.floor(s.ms / MS_PER_DAY);
  const msOfDay = s.ms - days * MS_PER_DAY;
  const { y, m, d } = civilFromDays(days);
  const secs = Math.floor(msOfDay / 1000);
  const base = {
    y,
    m,
    d,
    h: Math.floor(secs / 3600),
    mi: Math.floor(secs / 60) % 60,
    s: secs % 60,
    us: (msOfDay % 1000) * 1000 + s.us,
  };
  return offsetMs === undefined ? base : { ...base, offsetMs };
}

function fieldsToStamp(f: DateTimeFields): Stamp {
  return {
    ms:
      daysFromCivil(f.y, f.m, f.d) * MS_PER_DAY +
      ((f.h * 60 + f.mi) * 60 + f.s) * 1000 +
      Math.floor(f.us / 1000),
    us: f.us % 1000,
  };
}

/** A format pattern argument: compiled now when constant (errors at compile time), else per row. */
function patternOf(site: CallSite, i: number, fallback: string): (v: Value | undefined) => DatePattern {
  const arg = site.args[i];
  const compile = (text: string, pos: number, atCompile: boolean): DatePattern => {
    const p = compileDatePattern(text);
    if (typeof p === 'string') throw atCompile ? site.scope.fail(pos, p) : site.scope.runtimeError(pos, p);
    return p;
  };
  if (!arg) {
    const p = compile(fallback, site.pos, true);
    return () => p;
  }
  if (arg.constant) {
    const text = arg.eval([], { metadata: {}, nowMs: 0 });
    if (text !== null) {
      const p = compile(text as string, arg.pos, true);
      return () => p;
    }
  }
  return (v) => compile(v as string, arg.pos, false);
}

function temporalArg(site: CallSite, i: number, accepts: (t: ExprType) => boolean, what: string): ExprType {
  expectArg(site, i, accepts, what);
  return site.args[i]!.type;
}

const isDateOrTimestamp = (t: ExprType): boolean => isTimestamp(t) || t.kind === 'date';

function now(kind: 'ltz' | 'local' | 'date' | 'time') {
  return (site: CallSite): Compiled => {
    arity(site, 0);
    const zone = site.scope.timeZone;
    site.scope.volatile = true;
    const type: ColumnType =
      kind === 'ltz'
        ? { kind: 'timestamp_ltz', precision: 3 }
        : kind === 'local'
          ? { kind: 'timestamp', precision: 3 }
          : kind === 'date'
            ? DATE
            : { kind: 'time', precision: 0 };
    const evaluate = (_row: unknown, ctx: { nowMs: number }): Value => {
      if (kind === 'ltz') return formatTimestamp({ ms: ctx.nowMs, us: 0 }, 3);
      const local = utcToLocal(ctx.nowMs, zone);
      const days = Math.floor(local / MS_PER_DAY);
      if (kind === 'date') return formatDate(days);
      if (kind === 'time') return formatTime((local - days * MS_PER_DAY) * 1000, 0);
      return formatTimestamp({ ms: local, us: 0 }, 3);
    };
    return { type, nullable: false, eval: evaluate, constant: false, pos: site.pos };
  };
}

function extractField(unit: string, s: Stamp): number {
  const f = fields(s);
  const days = Math.floor(s.ms / MS_PER_DAY);
  switch (unit) {
    case 'YEAR':
      return f.y;
    case 'QUARTER':
      return Math.floor((f.m - 1) / 3) + 1;
    case 'MONTH':
      return f.m;
    case 'WEEK':
      return isoWeek(days);
    case 'DAY':
      return f.d;
    case 'DOY':
      return days - daysFromCivil(f.y, 1, 1) + 1;
    case 'DOW':
      return ((((days + 4) % 7) + 7) % 7) + 1;
    case 'HOUR':
      return f.h;
    case 'MINUTE':
      return f.mi;
    default:
      return f.s;
  }
}

/** ISO-8601 week of the week-based year. */
function isoWeek(days: number): number {
  const dow = ((((days + 3) % 7) + 7) % 7) + 1; // Monday = 1
  const thursday = days - dow + 4;
  const { y } = civilFromDays(thursday);
  return Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1;
}

function extract(unitFromName?: string) {
  return (site: CallSite): Compiled => {
    const args = unitFromName
      ? [{ ...site.args[0]!, type: { kind: 'symbol', name: unitFromName } as const }, ...site.args]
      : site.args;
    const inner: CallSite = { ...site, args };
    arity(inner, 2);
    const unit = symbolArg(inner, 0, EXTRACT_UNITS);
    const t = temporalArg(
      inner,
      1,
      (x) => isDateOrTimestamp(x) || x.kind === 'time',
      'a DATE, TIME or TIMESTAMP',
    );
    if (t.kind === 'time' && !['HOUR', 'MINUTE', 'SECOND'].includes(unit))
      throw site.scope.fail(site.pos, `${unit} cannot be extracted from a TIME`);
    const zone = site.scope.timeZone;
    return strict(
      inner,
      BIGINT,
      (_u, v) => {
        const s = wallClock(v, t, zone);
        return s === undefined ? null : BigInt(extractField(unit, s));
      },
      { nullable: true },
    );
  };
}

function dateFormat(withZone: boolean) {
  return (site: CallSite): Compiled => {
    arity(site, withZone ? 2 : 2, withZone ? 3 : 2);
    const t = temporalArg(
      site,
      0,
      (x) => isDateOrTimestamp(x) || x.kind === 'time' || isString(x),
      'a DATE, TIME, TIMESTAMP or string',
    );
    site.args.slice(1).forEach((_, i) => expectArg(site, i + 1, isString, 'a string'));
    const zoneArg = withZone ? site.args.length - 1 : -1;
    const pattern = patternOf(site, withZone && site.args.length === 2 ? 99 : 1, 'yyyy-MM-dd HH:mm:ss');
    const pipelineZone = site.scope.timeZone;
    const zoneOf = (v: Value | undefined): TimeZone => {
      const z = v === undefined ? pipelineZone : resolveTimeZone(v as string);
      if (!z)
        throw site.scope.runtimeError(site.args[zoneArg]!.pos, `has an unknown time zone '${String(v)}'`);
      return z;
    };
    return strict(
      site,
      STRING,
      (...values) => {
        const zone = zoneOf(withZone ? values[zoneArg] : undefined);
        const valueType = t.kind === 'string' ? ({ kind: 'timestamp', precision: 6 } as const) : t;
        const s = wallClock(values[0]!, valueType, zone);
        if (!s) return null;
        const instant =
          valueType.kind === 'timestamp_ltz'
            ? parseTimestamp(values[0] as string)!.ms
            : localToUtc(s.ms, zone);
        return pattern(withZone && site.args.length === 2 ? undefined : values[1]).format(
          fields(s, zone.offsetAt(instant)),
        );
      },
      { nullable: true },
    );
  };
}

/** The instant of a timestamp: TIMESTAMP read in the pipeline zone, TIMESTAMP_LTZ as it is. */
function instantOf(v: Value, t: ExprType, zone: TimeZone): Stamp | undefined {
  const s = parseTimestamp(v as string);
  if (!s || t.kind === 'timestamp_ltz') return s;
  return { ms: localToUtc(s.ms, zone), us: s.us };
}

/** TIMESTAMPADD as Flink CDC does it: a java.util.Calendar in the zone (UTC for TIMESTAMP_LTZ). */
function timestampAdd(site: CallSite): Compiled {
  arity(site, 3);
  const unit = symbolArg(site, 0, UNITS);
  expectArg(site, 1, isInteger, 'an integer');
  const t = temporalArg(site, 2, isTimestamp, 'a TIMESTAMP');
  const type = t.kind === 'null' ? ({ kind: 'timestamp', precision: 3 } as ColumnType) : (t as ColumnType);
  const precision = 'precision' in type ? type.precision : 3;
  const zone = t.kind === 'timestamp_ltz' ? resolveTimeZone('UTC')! : site.scope.timeZone;
  return strict(
    site,
    type,
    (_u, n, v) => {
      const at = instantOf(v, type, zone);
      if (!at) return null;
      const amount = num(n);
      let ms: number;
      if (UNIT_MS[unit] && unit !== 'DAY') ms = at.ms + amount * UNIT_MS[unit];
      else {
        const local = { ms: utcToLocal(at.ms, zone), us: 0 };
        const moved =
          unit === 'DAY'
            ? local.ms + amount * MS_PER_DAY
            : plusMonths(local, unit === 'YEAR' ? amount * 12 : amount).ms;
        ms = localToUtc(moved, zone);
      }
      const out = { ms: type.kind === 'timestamp_ltz' ? ms : utcToLocal(ms, zone), us: at.us };
      return formatTimestamp(out, precision);
    },
    { nullable: true },
  );
}

function timestampDiff(site: CallSite): Compiled {
  arity(site, 3);
  const unit = symbolArg(site, 0, UNITS);
  const t1 = temporalArg(site, 1, isTimestamp, 'a TIMESTAMP');
  const t2 = temporalArg(site, 2, isTimestamp, 'a TIMESTAMP');
  const zone = site.scope.timeZone;
  const utc = resolveTimeZone('UTC')!;
  return strict(
    site,
    INT,
    (_u, a, b) => {
      const from = instantOf(a, t1, zone);
      const to = instantOf(b, t2, zone);
      if (!from || !to) return null;
      if (unit === 'MONTH' || unit === 'YEAR') {
        const f = fields({ ms: utcToLocal(from.ms, t1.kind === 'timestamp_ltz' ? utc : zone), us: 0 });
        const g = fields({ ms: utcToLocal(to.ms, t2.kind === 'timestamp_ltz' ? utc : zone), us: 0 });
        return unit === 'YEAR' ? g.y - f.y : g.y * 12 + g.m - (f.y * 12 + f.m);
      }
      const seconds = Math.trunc((to.ms - from.ms) / 1000);
      if (seconds > 2147483647) return null;
      return Math.trunc(seconds / (UNIT_MS[unit]! / 1000)) | 0;
    },
    { nullable: true },
  );
}

function toDate(site: CallSite): Compiled {
  arity(site, 1, 2);
  const t = temporalArg(site, 0, (x) => isString(x) || isTimestamp(x), 'a string or TIMESTAMP');
  if (isTimestamp(t)) {
    arity(site, 1);
    return strict(site, DATE, (v) => (v as string).slice(0, 10), { nullable: true });
  }
  expectArg(site, 1, isString, 'a format string');
  const pattern = patternOf(site, 1, 'yyyy-MM-dd');
  return strict(
    site,
    DATE,
    (v, f) => {
      const parsed = pattern(f).parse(v as string);
      return parsed ? formatDate(daysFromCivil(parsed.y, parsed.m, parsed.d)) : null;
    },
    { nullable: true },
  );
}

/** Parses text with a pattern into an instant (ms UTC), the text's own offset winning over `zone`. */
function parseInstant(pattern: DatePattern, text: string, zone: TimeZone): Stamp | undefined {
  const f = pattern.parse(text);
  if (!f) return undefined;
  const wall = fieldsToStamp(f);
  return { ms: f.offsetMs === undefined ? localToUtc(wall.ms, zone) : wall.ms - f.offsetMs, us: wall.us };
}

function toTimestamp(site: CallSite): Compiled {
  arity(site, 1, 2);
  expectArg(site, 0, isString, 'a string');
  expectArg(site, 1, isString, 'a format string');
  const pattern = patternOf(site, 1, 'yyyy-MM-dd HH:mm:ss');
  const zone = site.scope.timeZone;
  return strict(
    site,
    { kind: 'timestamp', precision: 3 },
    (v, f) => {
      const at = parseInstant(pattern(f), v as string, zone);
      if (!at)
        throw site.scope.runtimeError(
          site.pos,
          `TO_TIMESTAMP cannot read '${String(v)}' with the pattern '${String(f ?? 'yyyy-MM-dd HH:mm:ss')}'`,
        );
      return formatTimestamp({ ms: utcToLocal(at.ms, zone), us: 0 }, 3);
    },
    { nullable: true },
  );
}

function toTimestampLtz(site: CallSite): Compiled {
  arity(site, 1, 3);
  const type: ColumnType = { kind: 'timestamp_ltz', precision: 3 };
  if (isInteger(site.args[0]!.type)) {
    arity(site, 1, 2);
    expectArg(site, 1, isInteger, 'a precision, 0 or 3');
    return strict(site, type, (n, p) => {
      const precision = p === undefined ? 3 : num(p);
      if (precision !== 0 && precision !== 3)
        throw site.scope.runtimeError(
          site.pos,
          `TO_TIMESTAMP_LTZ precision must be 0 or 3, not ${precision}`,
        );
      return formatTimestamp({ ms: num(n) * (precision === 0 ? 1000 : 1), us: 0 }, 3);
    });
  }
  site.args.forEach((_, i) => expectArg(site, i, isString, 'a string'));
  const pattern = patternOf(site, 1, 'yyyy-MM-dd HH:mm:ss.SSS');
  return strict(
    site,
    type,
    (v, f, z) => {
      const zone = resolveTimeZone(z === undefined ? 'UTC' : (z as string));
      if (!zone)
        throw site.scope.runtimeError(site.pos, `TO_TIMESTAMP_LTZ has an unknown time zone '${String(z)}'`);
      const at = parseInstant(pattern(f), v as string, zone);
      if (!at) throw site.scope.runtimeError(site.pos, `TO_TIMESTAMP_LTZ cannot read '${String(v)}'`);
      return formatTimestamp(at, 3);
    },
    { nullable: true },
  );
}

function fromUnixtime(site: CallSite): Compiled {
  arity(site, 1, 2);
  expectArg(site, 0, isInteger, 'an integer');
  expectArg(site, 1, isString, 'a format string');
  const pattern = patternOf(site, 1, 'yyyy-MM-dd HH:mm:ss');
  const zone = site.scope.timeZone;
  return strict(
    site,
    STRING,
    (n, f) => {
      const ms = num(n) * 1000;
      return pattern(f).format(fields({ ms: utcToLocal(ms, zone), us: 0 }, zone.offsetAt(ms)));
    },
    { nullable: true },
  );
}

function unixTimestamp(site: CallSite): Compiled {
  arity(site, 0, 2);
  if (site.args.length === 0) {
    site.scope.volatile = true;
    return {
      type: BIGINT,
      nullable: false,
      eval: (_r, ctx) => BigInt(Math.trunc(ctx.nowMs / 1000)),
      constant: false,
      pos: site.pos,
    };
  }
  site.args.forEach((_, i) => expectArg(site, i, isString, 'a string'));
  const pattern = patternOf(site, 1, 'yyyy-MM-dd HH:mm:ss');
  const zone = site.scope.timeZone;
  return strict(site, BIGINT, (v, f) => {
    const at = parseInstant(pattern(f), v as string, zone);
    return at ? BigInt(Math.trunc(at.ms / 1000)) : -(2n ** 63n);
  });
}

function dateAdd(site: CallSite): Compiled {
  arity(site, 2);
  const t = temporalArg(site, 0, (x) => isDateOrTimestamp(x) || isString(x), 'a DATE, TIMESTAMP or string');
  expectArg(site, 1, isInteger, 'an integer');
  const zone = site.scope.timeZone;
  return strict(
    site,
    STRING,
    (v, n) => {
      const valueType = t.kind === 'string' ? ({ kind: 'timestamp', precision: 6 } as const) : t;
      const s = wallClock(v, valueType, zone);
      if (!s) throw site.scope.runtimeError(site.pos, `DATE_ADD cannot read '${String(v)}' as a date`);
      return formatDate(Math.floor(s.ms / MS_PER_DAY) + num(n));
    },
    { nullable: true },
  );
}

function temporal(
  name: string,
  signature: string,
  description: string,
  compile: (site: CallSite) => Compiled,
): BuiltinFunction {
  return { name, category: 'temporal', signature, description, compile };
}

const PARTS: readonly [string, string, string][] = [
  ['YEAR', 'YEAR', 'The year.'],
  ['QUARTER', 'QUARTER', 'The quarter (1 to 4).'],
  ['MONTH', 'MONTH', 'The month (1 to 12).'],
  ['WEEK', 'WEEK', 'The ISO-8601 week of the year.'],
  ['DAYOFYEAR', 'DOY', 'The day of the year (1 to 366).'],
  ['DAYOFMONTH', 'DAY', 'The day of the month.'],
  ['DAYOFWEEK', 'DOW', 'The day of the week, Sunday = 1.'],
  ['HOUR', 'HOUR', 'The hour (0 to 23).'],
  ['MINUTE', 'MINUTE', 'The minute.'],
  ['SECOND', 'SECOND', 'The second.'],
];

export const TEMPORAL_FUNCTIONS: readonly BuiltinFunction[] = [
  temporal('LOCALTIME', 'LOCALTIME', 'The current time in the pipeline time zone, TIME(0).', now('time')),
  temporal(
    'LOCALTIMESTAMP',
    'LOCALTIMESTAMP',
    'The current wall-clock time in the pipeline time zone, TIMESTAMP(3).',
    now('local'),
  ),
  temporal('CURRENT_TIME', 'CURRENT_TIME', 'Same as LOCALTIME.', now('time')),
  temporal('CURRENT_DATE', 'CURRENT_DATE', 'The current date in the pipeline time zone.', now('date')),
  temporal('CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP', 'The current instant, TIMESTAMP_LTZ(3).', now('ltz')),
  temporal('NOW', 'NOW()', 'Same as CURRENT_TIMESTAMP.', now('ltz')),
  temporal(
    'EXTRACT',
    'EXTRACT(unit FROM temporal)',
    'The YEAR, QUARTER, MONTH, WEEK, DAY, DOY, DOW, HOUR, MINUTE or SECOND of a temporal value (TIMESTAMP_LTZ in the pipeline time zone).',
    extract(),
  ),
  ...PARTS.map(([name, unit, description]) =>
    temporal(
      name,
      `${name}(temporal)`,
      `${description} Same as EXTRACT(${unit} FROM temporal).`,
      extract(unit),
    ),
  ),
  temporal(
    'DATE_FORMAT',
    'DATE_FORMAT(temporal, format)',
    'temporal as text in the Java date pattern format (TIMESTAMP_LTZ in the pipeline time zone).',
    dateFormat(false),
  ),
  temporal(
    'DATE_FORMAT_TZ',
    'DATE_FORMAT_TZ(timestamp[, format], timezone)',
    'timestamp as text in format (default yyyy-MM-dd HH:mm:ss) in the time zone timezone (an id or an offset like +08:00).',
    dateFormat(true),
  ),
  temporal(
    'TIMESTAMPADD',
    'TIMESTAMPADD(unit, interval, timestamp)',
    'timestamp plus interval units (SECOND, MINUTE, HOUR, DAY, MONTH, YEAR), on the calendar of the pipeline time zone.',
    timestampAdd,
  ),
  temporal(
    'TIMESTAMPDIFF',
    'TIMESTAMPDIFF(unit, timestamp1, timestamp2)',
    'The signed number of units from timestamp1 to timestamp2 (MONTH and YEAR: the difference of the calendar months or years).',
    timestampDiff,
  ),
  temporal(
    'TIMESTAMP_DIFF',
    'TIMESTAMP_DIFF(unit, timestamp1, timestamp2)',
    'Same as TIMESTAMPDIFF.',
    timestampDiff,
  ),
  temporal(
    'TO_DATE',
    'TO_DATE(string[, format]), TO_DATE(timestamp)',
    'The date a string shows in format (default yyyy-MM-dd; NULL if it does not), or the date of a timestamp.',
    toDate,
  ),
  temporal(
    'TO_TIMESTAMP',
    'TO_TIMESTAMP(string[, format])',
    'The TIMESTAMP(3) a string shows in format (default yyyy-MM-dd HH:mm:ss); fails the row if it does not.',
    toTimestamp,
  ),
  temporal(
    'TO_TIMESTAMP_LTZ',
    'TO_TIMESTAMP_LTZ(numeric[, precision]), TO_TIMESTAMP_LTZ(string[, format[, timezone]])',
    'The instant of epoch seconds (precision 0) or ms (3, the default), or of a string in format (default yyyy-MM-dd HH:mm:ss.SSS) read in timezone (default UTC).',
    toTimestampLtz,
  ),
  temporal(
    'FROM_UNIXTIME',
    'FROM_UNIXTIME(numeric[, format])',
    'Epoch seconds as text in format (default yyyy-MM-dd HH:mm:ss) in the pipeline time zone.',
    fromUnixtime,
  ),
  temporal(
    'UNIX_TIMESTAMP',
    'UNIX_TIMESTAMP([string[, format]])',
    'The current epoch seconds, or those of a string in format read in the pipeline time zone (-9223372036854775808 if it cannot be read).',
    unixTimestamp,
  ),
  temporal('DATE_ADD', 'DATE_ADD(date, int)', 'The date days later, as yyyy-MM-dd text.', dateAdd),
];
