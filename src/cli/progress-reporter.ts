import type { SourceProgress } from '../runtime/source.js';

/**
 * Snapshot progress per table and streaming lag. On a TTY: one bar per table, redrawn in place;
 * otherwise a plain line per table at most every 5 seconds (and when a table is done).
 */
export class ProgressReporter {
  private lastStreamLine = 0;
  private printed = new Map<string, { at: number; rows: number; done: boolean }>();
  private drawnLines = 0;
  private started = Date.now();

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(p: SourceProgress): void {
    if (p.phase === 'streaming') {
      const now = Date.now();
      if (now - this.lastStreamLine < 10_000) return;
      this.lastStreamLine = now;
      this.clear();
      this.out.write(`streaming at ${p.position ?? '?'}, lag ${Math.round((p.lagMs ?? 0) / 1000)}s\n`);
      return;
    }
    const tables = p.tables ?? [];
    if (this.out.isTTY) {
      this.clear();
      const elapsed = (Date.now() - this.started) / 1000;
      for (const t of tables) this.out.write(bar(t, elapsed) + '\n');
      this.drawnLines = tables.length;
      return;
    }
    const now = Date.now();
    for (const t of tables) {
      const last = this.printed.get(t.table);
      if (last?.done) continue; // its final line is out
      if (!t.done && (t.rowsRead === 0 || t.rowsRead === last?.rows)) continue; // nothing new
      if (!t.done && last && now - last.at < 5000) continue; // at most every 5 s per table
      this.out.write(
        `snapshot ${t.table}: ${t.rowsRead} row(s)${t.done ? ', done' : ` of ~${t.rowsEstimated}`}\n`,
      );
      this.printed.set(t.table, { at: now, rows: t.rowsRead, done: t.done });
    }
  }

  done(): void {
    this.drawnLines = 0;
  }

  private clear(): void {
    if (!this.out.isTTY || this.drawnLines === 0) return;
    this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }
}

function bar(t: NonNullable<SourceProgress['tables']>[number], elapsedS: number): string {
  const total = Math.max(t.rowsEstimated, t.rowsRead, 1);
  const frac = t.done ? 1 : Math.min(t.rowsRead / total, 0.99);
  const width = 30;
  const filled = Math.round(frac * width);
  const rate = elapsedS > 0 ? Math.round(t.rowsRead / elapsedS) : 0;
  const eta = !t.done && rate > 0 ? ` ETA ${Math.max(0, Math.round((total - t.rowsRead) / rate))}s` : '';
  return `${t.table.padEnd(32)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${t.rowsRead}/${t.done ? t.rowsRead : `~${total}`} ${rate} rows/s${eta}`;
}
