import type { ColumnType, Value } from '../../event/column-type.js';
import type { IntervalUnit } from './expression-ast.js';
import type { CompileScope } from './compile-scope.js';
import { isTemporal, typeName, type Compiled, type Evaluator } from './expression-types.js';
import {
  MS_PER_DAY,
  addMonths,
  formatDate,
  formatTime,
  formatTimestamp,
  parseDate,
  parseTime,
  parseTimestamp,
  type Stamp,
} from './temporal-values.js';

/**
 * The value of an INTERVAL literal: months for YEAR/MONTH units, ms for the others; undefined
 * when the text does not fit the unit.
 */
export function intervalValue(text: string, unit: IntervalUnit): number | undefined {
  const m = /^\s*([+-])?(.*?)\s*$/.exec(text)!;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  const n = (s: string | undefined): number => Number(s ?? 0);
  const patterns: Record<IntervalUnit, [RegExp, (g: RegExpExecArray) => number]> = {
    YEAR: [/^(\d+)$/, (g) => n(g[1]) * 12],
    MONTH: [/^(\d+)$/, (g) => n(g[1])],
    'YEAR TO MONTH': [/^(\d+)-(\d{1,2})$/, (g) => n(g[1]) * 12 + n(g[2])],
    DAY: [/^(\d+)$/, (g) => n(g[1]) * MS_PER_DAY],
    HOUR: [/^(\d+)$/, (g) => n(g[1]) * 3_600_000],
    MINUTE: [/^(\d+)$/, (g) => n(g[1]) * 60_000],
    SECOND: [/^(\d+)(?:\.(\d{1,3})\d*)?$/, (g) => n(g[1]) * 1000 + n((g[2] ?? '').padEnd(3, '0'))],
    'DAY TO HOUR': [/^(\d+) (\d{1,2})$/, (g) => n(g[1]) * MS_PER_DAY + n(g[2]) * 3_600_000],
    'DAY TO MINUTE': [
      /^(\d+) (\d{1,2}):(\d{1,2})$/,
      (g) => n(g[1]) * MS_PER_DAY + (n(g[2]) * 60 + n(g[3])) * 60_000,
    ],
    'DAY TO SECOND': [
      /^(\d+) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,3})\d*)?$/,
      (g) =>
        n(g[1]) * MS_PER_DAY +
        ((n(g[2]) * 60 + n(g[3])) * 60 + n(g[4])) * 1000 +
        n((g[5] ?? '').padEnd(3, '0')),
    ],
    'HOUR TO MINUTE': [/^(\d+):(\d{1,2})$/, (g) => (n(g[1]) * 60 + n(g[2])) * 60_000],
    'HOUR TO SECOND': [
      /^(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d{1,3})\d*)?$/,
      (g) => ((n(g[1]) * 60 + n(g[2])) * 60 + n(g[3])) * 1000 + n((g[4] ?? '').padEnd(3, '0')),
    ],
    'MINUTE TO SECOND': [
      /^(\d+):(\d{1,2})(?:\.(\d{1,3})\d*)?$/,
      (g) => (n(g[1]) * 60 + n(g[2])) * 1000 + n((g[3] ?? '').padEnd(3, '0')),
    ],
  };
  const [re, value] = patterns[unit];
  const g = re.exec(body);
  return g ? sign * value(g) : undefined;
}

/** temporal ± INTERVAL and INTERVAL + temporal (as Flink CDC's temporalPlusMonths/Millis). */
export function temporalPlusInterval(
  op: '+' | '-',
  a: Compiled,
  b: Compiled,
  pos: number,
  scope: CompileScope,
): Compiled {
  const [temporal, interval] = a.type.kind === 'interval' ? [b, a] : [a, b];
  if (interval.type.kind !== 'interval' || !isTemporal(temporal.type) || (op === '-' && temporal === b)) {
    throw scope.fail(
      pos,
      `cannot apply ${op} to ${typeName(a.type)} and ${typeName(b.type)} (write temporal ${op} INTERVAL '…' unit)`,
    );
  }
  const type = temporal.type as ColumnType;
  const shift = shifter(type, interval.type.yearMonth);
  const sign = op === '-' ? -1 : 1;
  const et = temporal.eval;
  const ei = interval.eval;
  const evaluate: Evaluator = (row, ctx) => {
    const t = et(row, ctx);
    const i = ei(row, ctx);
    return t === null || i === null ? null : shift(t as string, sign * (i as number));
  };
  return {
    type,
    nullable: temporal.nullable || interval.nullable,
    eval: evaluate,
    constant: a.constant && b.constant,
    pos,
  };
}

function shifter(type: ColumnType, yearMonth: boolean): (v: string, amount: number) => Value {
  switch (type.kind) {
    case 'date':
      return (v, amount) => {
        const days = parseDate(v);
        if (days === undefined) return null;
        return formatDate(yearMonth ? addMonths(days, amount) : days + Math.trunc(amount / MS_PER_DAY));
      };
    case 'time':
      return (v, amount) => {
        const us = parseTime(v);
        if (us === undefined) return null;
        if (yearMonth) return v;
        const day = MS_PER_DAY * 1000;
        return formatTime((((us + amount * 1000) % day) + day) % day, type.precision);
      };
    case 'timestamp':
    case 'timestamp_ltz':
      // TIMESTAMP_LTZ values are UTC wall clocks: month arithmetic on them is in UTC, as Flink CDC does.
      return (v, amount) => {
        const s = parseTimestamp(v);
        if (!s) return null;
        return formatTimestamp(
          yearMonth ? plusMonths(s, amount) : { ms: s.ms + amount, us: s.us },
          type.precision,
        );
      };
    default:
      throw new Error(`unexpected temporal type ${type.kind}`);
  }
}

/** A wall-clock stamp plus months, the day clamped to the month's length. */
export function plusMonths(s: Stamp, months: number): Stamp {
  const days = Math.floor(s.ms / MS_PER_DAY);
  return { ms: addMonths(days, months) * MS_PER_DAY + (s.ms - days * MS_PER_DAY), us: s.us };
}
