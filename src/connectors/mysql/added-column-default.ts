import type { Column } from '../../event/table-schema.js';
import { instantOfWallClock, utcText, wallClockText, type MysqlTimeZone } from './mysql-time-zone.js';

/** When and in which session time zone a DDL ran, from its QUERY event. */
export interface DdlClock {
  /** The statement's start, seconds since the epoch (the event header's timestamp). */
  readonly seconds: number;
  /** Its microseconds, when the server logged them (MySQL Q_MICROSECONDS, MariaDB Q_HRNOW). */
  readonly micros?: number;
  /** The session time zone (Q_TIME_ZONE_CODE, else the server's), when known. */
  readonly zone?: MysqlTimeZone;
}

const NOW_RE = /^(?:current_timestamp|now|localtimestamp|localtime)\s*(?:\(\s*(\d*)\s*\))?$/i;
const EXPRESSION_RE = /^(?:\(|[a-z_][a-z0-9_]*\s*\()/i;
const ZERO_DATE_RE = /^'(?:0000-\d\d-\d\d|\d{4}-00-\d\d|\d{4}-\d\d-00)/;

/**
 * The default of a column added by ALTER TABLE, rewritten as the literal that rows already in the
 * table hold (the server fills them; the binlog has no row events for that), in the Value form of
 * the column type, so that a sink can fill its existing rows exactly:
 * - `CURRENT_TIMESTAMP[(n)]` on DATETIME/TIMESTAMP: the statement's start time (the event's
 *   timestamp), in the session zone for DATETIME, as UTC with `+00` for TIMESTAMP; the fraction
 *   only when the server logged it, else `.000…` and a warning (MariaDB does not log it for DDL).
 * - a TIMESTAMP literal: converted from the session zone to UTC with `+00`.
 * - a zero date literal: NULL (zero dates have no sink representation; see the DuckDB mapping).
 * Other defaults are returned unchanged; an expression default (`(uuid())`) comes with a warning, as
 * the values the server computed for existing rows are not in the binlog. Without a known zone where
 * one is needed, the default is dropped (existing rows get NULL) with a warning.
 */
export function addedColumnDefault(column: Column, clock: DdlClock): { column: Column; warning?: string } {
  const d = column.defaultValue;
  const kind = column.type.kind;
  if (d === undefined || d === null) return { column };
  if (kind !== 'timestamp' && kind !== 'timestamp_ltz' && kind !== 'date') {
    // An expression (`(uuid())`, `rand()`…) was evaluated by the server, row by row: unknowable here.
    return EXPRESSION_RE.test(d.trim()) && !NOW_RE.test(d.trim())
      ? {
          column,
          warning: `existing rows may differ in ${column.name}: its default ${d.trim()} is an expression the server evaluated for each row, which the binlog does not carry`,
        }
      : { column };
  }
  const fsp = kind === 'date' ? 0 : column.type.precision;
  const withDefault = (v: string | null | undefined): Column => {
    const { defaultValue: _, ...rest } = column;
    return v === undefined ? rest : { ...rest, defaultValue: v };
  };
  const now = NOW_RE.exec(d.trim());
  if (now && kind !== 'date') {
    const digits = Math.min(fsp, Number(now[1] || 0));
    const micros = clock.micros ?? 0;
    // CURRENT_TIMESTAMP(n) keeps n digits; the column shows fsp digits (the rest are zero).
    const kept = digits > 0 ? Math.trunc(micros / 10 ** (6 - digits)) * 10 ** (6 - digits) : 0;
    const warning =
      digits > 0 && clock.micros === undefined
        ? `existing rows get the ALTER's start second for ${column.name}: the server did not log its fraction of a second`
        : undefined;
    if (kind === 'timestamp_ltz') {
      return {
        column: withDefault(`'${utcText(clock.seconds, kept, fsp)}+00'`),
        ...(warning ? { warning } : {}),
      };
    }
    if (!clock.zone) {
      return {
        column: withDefault(undefined),
        warning: `existing rows get NULL in ${column.name}: the session time zone of the ALTER is unknown (set server-time-zone)`,
      };
    }
    return {
      column: withDefault(`'${wallClockText(clock.zone, clock.seconds, kept, fsp)}'`),
      ...(warning ? { warning } : {}),
    };
  }
  const t = d.trim();
  if (ZERO_DATE_RE.test(t)) return { column: withDefault(null) };
  if (kind === 'timestamp_ltz' && /^'\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?'$/.test(t)) {
    if (!clock.zone) {
      return {
        column: withDefault(undefined),
        warning: `existing rows get NULL in ${column.name}: the session time zone of the ALTER is unknown (set server-time-zone)`,
      };
    }
    const at = instantOfWallClock(clock.zone, t.slice(1, -1));
    return { column: withDefault(`'${utcText(at.seconds, at.micros, fsp)}+00'`) };
  }
  return { column };
}
