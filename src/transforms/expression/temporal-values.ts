/**
 * DATE, TIME and TIMESTAMP values as column-type.ts writes them, read into numbers: a date is
 * days since 1970-01-01, a time is microseconds since midnight, a timestamp is ms since
 * 1970-01-01 00:00 (wall clock for TIMESTAMP, UTC for TIMESTAMP_LTZ) plus 0-999 extra µs.
 */

export const MS_PER_DAY = 86_400_000;

export interface Stamp {
  readonly ms: number;
  readonly us: number;
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

export function daysInMonth(y: number, m: number): number {
  return [
    31,
    (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ][m - 1]!;
}

function validDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** "YYYY-MM-DD" → days, or undefined (the zero date, a malformed or impossible date). */
export function parseDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDate(y, mo, d) ? daysFromCivil(y, mo, d) : undefined;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function formatDate(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/** "YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]]" → stamp, or undefined. */
export function parseTimestamp(text: string): Stamp | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  const frac = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  const micros = Number(frac);
  const ms =
    daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + Math.floor(micros / 1000);
  return { ms, us: micros % 1000 };
}

/** "YYYY-MM-DD HH:MM:SS" plus exactly `precision` fraction digits (0 to 9). */
export function formatTimestamp(stamp: Stamp, precision: number): string {
  const days = Math.floor(stamp.ms / MS_PER_DAY);
  const msOfDay = stamp.ms - days * MS_PER_DAY;
  return `${formatDate(days)} ${formatTimeOfDay(msOfDay * 1000 + stamp.us, precision)}`;
}

/** "HH:MM:SS[.f]" of µs within a day. */
function formatTimeOfDay(micros: number, precision: number): string {
  const secs = Math.floor(micros / 1e6);
  const frac = micros - secs * 1e6;
  const base = `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
  if (precision === 0) return base;
  return `${base}.${String(frac).padStart(6, '0').padEnd(9, '0').slice(0, precision)}`;
}

/** "[-]HH:MM[:SS[.ffffff]]" → µs (hours may exceed 24), or undefined. */
export function parseTime(text: string): number | undefined {
  const m = /^(-)?(\d{1,3}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text.trim());
  if (!m || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59) return undefined;
  const micros =
    ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1e6 +
    Number((m[5] ?? '').padEnd(6, '0').slice(0, 6));
  return m[1] ? -micros : micros;
}

export function formatTime(micros: number, precision: number): string {
  if (micros < 0) return `-${formatTime(-micros, precision)}`;
  return formatTimeOfDay(micros, precision);
}

/** Adds months the java.time way: the day is clamped to the target month's length. */
export function addMonths(days: number, months: number): number {
  const { y, m, d } = civilFromDays(days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** A stamp truncated to `precision` fraction digits (a TIMESTAMP(p) value). */
export function truncateStamp(stamp: Stamp, precision: number): Stamp {
  if (precision >= 6) return stamp;
  if (precision >= 3) {
    const unit = 10 ** (6 - precision);
    return { ms: stamp.ms, us: stamp.us - (stamp.us % unit) };
  }
  const unit = 10 ** (3 - precision);
  return { ms: Math.floor(stamp.ms / unit) * unit, us: 0 };
}
