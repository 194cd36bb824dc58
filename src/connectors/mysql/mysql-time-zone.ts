import { TidemarkError } from '../../event/tidemark-error.js';

/**
 * A MySQL/MariaDB session time zone as the server names it: an offset (`+05:30`, `-03:00`), `UTC`,
 * or a named zone (`Europe/Berlin`, resolved with the IANA data built into Node's Intl).
 */
export interface MysqlTimeZone {
  readonly name: string;
  /** Minutes east of UTC at the instant `utcMs`. */
  offsetMinutesAt(utcMs: number): number;
}

const OFFSET_RE = /^([+-])(\d{1,2}):(\d{2})$/;

/** Parses a zone name; undefined for `SYSTEM` (the server's own zone, unknown from here) or one Node does not know. */
export function parseMysqlTimeZone(name: string): MysqlTimeZone | undefined {
  const n = name.trim();
  const m = OFFSET_RE.exec(n);
  if (m) {
    const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    return { name: n, offsetMinutesAt: () => minutes };
  }
  if (n === '' || n.toUpperCase() === 'SYSTEM') return undefined;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: n,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  return {
    name: n,
    offsetMinutesAt(utcMs: number): number {
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(new Date(Math.floor(utcMs / 1000) * 1000))) {
        if (part.type !== 'literal') p[part.type] = Number(part.value);
      }
      const local = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
      return Math.round((local - Math.floor(utcMs / 1000) * 1000) / 60_000);
    },
  };
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` of the wall clock at `utcMs` + `micros` (0–999999 within the second) in `zone`. */
export function wallClockText(zone: MysqlTimeZone, utcSeconds: number, micros: number, fsp: number): string {
  const localMs = utcSeconds * 1000 + zone.offsetMinutesAt(utcSeconds * 1000) * 60_000;
  return dateTimeText(localMs, micros, fsp);
}

/** UTC text of an instant (what a TIMESTAMP Value holds). */
export function utcText(utcSeconds: number, micros: number, fsp: number): string {
  return dateTimeText(utcSeconds * 1000, micros, fsp);
}

function dateTimeText(ms: number, micros: number, fsp: number): string {
  const d = new Date(ms);
  const pad = (v: number, w = 2): string => String(v).padStart(w, '0');
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return fsp > 0 ? `${base}.${pad(micros, 6).slice(0, fsp)}` : base;
}

/**
 * The instant (UTC seconds and microseconds) of a wall-clock text in `zone`. Exact for offsets and
 * away from daylight-saving changes; for a wall-clock time that a change skips or repeats, one of
 * the nearby instants is returned, which may differ from the server's choice.
 */
export function instantOfWallClock(zone: MysqlTimeZone, text: string): { seconds: number; micros: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/.exec(text.trim());
  if (!m) {
    throw new TidemarkError('SOURCE_SCHEMA', `not a DATETIME value: "${text}"`, { details: { value: text } });
  }
  const localSec =
    Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
    ) / 1000;
  const micros = Number((m[7] ?? '').padEnd(6, '0'));
  // Two passes: the offset at the guess, then at the corrected instant.
  const guess = localSec - zone.offsetMinutesAt(localSec * 1000) * 60;
  return { seconds: localSec - zone.offsetMinutesAt(guess * 1000) * 60, micros };
}
