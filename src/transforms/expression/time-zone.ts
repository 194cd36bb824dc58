/**
 * Time zone rules for the pipeline's `local-time-zone`: fixed offsets are computed here, region
 * ids (Europe/Berlin) through Intl's time zone database. Conversions follow java.time, which
 * Flink CDC uses: a wall-clock time in a DST gap moves forward by the gap, one in an overlap
 * takes the earlier offset.
 */
export interface TimeZone {
  readonly id: string;
  /** The zone's offset from UTC at an instant, in ms. */
  offsetAt(utcMs: number): number;
}

const cache = new Map<string, TimeZone | undefined>();

/** The zone of an id ('UTC', '+08:00', 'GMT+8', 'Asia/Shanghai'), or undefined if unknown. */
export function resolveTimeZone(id: string): TimeZone | undefined {
  if (!cache.has(id)) cache.set(id, fixedZone(id) ?? regionZone(id));
  return cache.get(id);
}

function fixedZone(id: string): TimeZone | undefined {
  if (/^(?:Z|UTC|GMT|UT)$/i.test(id)) return { id, offsetAt: () => 0 };
  const m = /^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/i.exec(id);
  if (!m) return undefined;
  const ms = ((Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0)) * 1000;
  if (ms > 18 * 3600_000) return undefined;
  const offset = m[1] === '-' ? -ms : ms;
  return { id, offsetAt: () => offset };
}

function regionZone(id: string): TimeZone | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: id, timeZoneName: 'longOffset' });
  } catch {
    return undefined;
  }
  return {
    id,
    offsetAt(utcMs: number): number {
      const name = format.formatToParts(utcMs).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
      const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
      if (!m) return 0;
      const ms = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
      return m[1] === '-' ? -ms : ms;
    },
  };
}

/** The instant of a wall-clock time (ms since 1970 as if UTC) in a zone. */
export function localToUtc(localMs: number, zone: TimeZone): number {
  const day = 86_400_000;
  const before = zone.offsetAt(localMs - day);
  const after = zone.offsetAt(localMs + day);
  if (before === after) return localMs - before;
  const early = localMs - before;
  if (zone.offsetAt(early) === before) return early;
  const late = localMs - after;
  if (zone.offsetAt(late) === after) return late;
  return early; // in the gap: shifted forward by the gap's length
}

/** The wall-clock time (ms as if UTC) of an instant in a zone. */
export function utcToLocal(utcMs: number, zone: TimeZone): number {
  return utcMs + zone.offsetAt(utcMs);
}
