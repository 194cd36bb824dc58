import type { Logger } from '../runtime/logger.js';
import type { SnapshotTableProgress, SourceProgress } from '../runtime/source.js';
import type { TerminalRenderer } from './terminal-renderer.js';

/**
 * Snapshot progress per table and streaming lag. On a terminal: a bar per table still being
 * read, redrawn in the renderer's live region below the log lines; a finished table leaves the
 * bars (the source logs it done, one line). Otherwise log records: per table at most every 5 s;
 * the streaming position every 10 s.
 */
export class ProgressReporter {
  private lastStream = 0;
  private lastDraw = -Infinity;
  private readonly logged = new Map<string, { at: number; rows: number }>();
  private readonly started: number;

  constructor(
    private readonly renderer: TerminalRenderer,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  update(p: SourceProgress): void {
    if (p.phase === 'streaming') return this.streaming(p);
    // a finished table leaves the bars: the source logs it done, one line
    const tables = p.tables ?? [];
    if (this.renderer.interactive) {
      const now = this.now();
      const reading = tables.filter((t) => !t.done);
      if (now - this.lastDraw < 100 && reading.length > 0) return; // at most 10 redraws a second
      this.lastDraw = now;
      const elapsed = (now - this.started) / 1000;
      this.renderer.setLive(reading.map((t) => bar(t, elapsed)));
      return;
    }
    for (const t of tables) if (!t.done) this.logProgress(t);
  }

  /** The run ended: the bars go. */
  done(): void {
    this.renderer.end();
  }

  private streaming(p: SourceProgress): void {
    const now = this.now();
    const lag = Math.round((p.lagMs ?? 0) / 1000);
    if (this.renderer.interactive) {
      if (now - this.lastDraw < 1000) return;
      this.lastDraw = now;
      this.renderer.setLive([`streaming at ${p.position ?? '?'}, ${lag}s behind the source`]);
      return;
    }
    if (now - this.lastStream < 10_000) return;
    this.lastStream = now;
    this.logger.info('streaming', { position: p.position ?? '?', lagSeconds: lag });
  }

  private logProgress(t: SnapshotTableProgress): void {
    const now = this.now();
    const last = this.logged.get(t.table);
    if (t.rowsRead === 0 || t.rowsRead === last?.rows) return; // nothing new
    if (last && now - last.at < 5000) return; // at most every 5 s per table
    this.logged.set(t.table, { at: now, rows: t.rowsRead });
    this.logger.info(`snapshot of ${t.table}: ${progressText(t)}`, {
      table: t.table,
      rows: t.rowsRead,
      estimated: t.rowsEstimated,
      ...(t.resumed ? { resumed: true } : {}),
    });
  }
}

/** `35 row(s) of ~199410`, or for a resumed table what is known: the rows of this run. */
function progressText(t: SnapshotTableProgress): string {
  return t.resumed
    ? `${t.rowsRead} row(s) read since resuming (~${t.rowsEstimated} in the table)`
    : `${t.rowsRead} row(s) of ~${Math.max(t.rowsEstimated, t.rowsRead)}`;
}

function bar(t: SnapshotTableProgress, elapsedS: number): string {
  const rate = elapsedS > 0 ? Math.round(t.rowsRead / elapsedS) : 0;
  const name = t.table.padEnd(28);
  if (t.resumed) return `${name} ${progressText(t)}, ${rate} rows/s`;
  const total = Math.max(t.rowsEstimated, t.rowsRead, 1);
  const frac = Math.min(t.rowsRead / total, 0.99);
  const width = 24;
  const filled = Math.round(frac * width);
  const eta = rate > 0 ? ` ETA ${Math.max(0, Math.round((total - t.rowsRead) / rate))}s` : '';
  return `${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${t.rowsRead}/~${total} ${rate} rows/s${eta}`;
}
