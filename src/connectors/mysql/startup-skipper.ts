import type { DataChangeEvent } from '../../event/change-event.js';

/**
 * `scan.startup.specific-offset.skip-events` / `skip-rows` (Flink CDC): a run started at a specific
 * offset first skips that many row events (binlog events that carry rows), then that many rows of
 * the events after them: what was already processed of the transaction at that offset. The rows of
 * one row event share its binlog location, which tells the events apart.
 */
export class StartupSkipper {
  private loc: string | undefined;
  private inSkipped = false;

  constructor(
    private events: number,
    private rows: number,
  ) {}

  /** True when the row is skipped; called for every row of the stream, in order. */
  skipped(ev: DataChangeEvent): boolean {
    if (this.events <= 0 && this.rows <= 0 && !this.inSkipped) return false;
    if (ev.meta.location !== this.loc) {
      this.loc = ev.meta.location;
      this.inSkipped = this.events > 0;
      if (this.inSkipped) this.events--;
    }
    if (this.inSkipped) return true;
    if (this.rows > 0) {
      this.rows--;
      return true;
    }
    return false;
  }
}
