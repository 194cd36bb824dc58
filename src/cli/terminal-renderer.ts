/**
 * The one writer of a command's terminal output: log lines scroll above a live region (progress
 * bars) that is redrawn in place below them. Everything `run` prints on stderr goes through it,
 * so a redraw never moves the cursor over a line it did not draw. On a stream that is not a
 * terminal there is no live region: lines are written as they come.
 */
export class TerminalRenderer {
  private live: readonly string[] = [];
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  /** Whether there is a live region (the stream is a terminal). */
  get interactive(): boolean {
    return this.out.isTTY === true;
  }

  /** A line (a log line) above the live region. */
  line(text: string): void {
    if (!this.interactive) {
      this.out.write(text + '\n');
      return;
    }
    this.out.write(this.erase() + text + '\n' + this.draw());
  }

  /** Replaces the live region (one entry a line). */
  setLive(lines: readonly string[]): void {
    if (!this.interactive) return;
    const erase = this.erase();
    this.live = lines;
    this.out.write(erase + this.draw());
  }

  /** Removes the live region: what follows (an error, the stop line) starts on a clean line. */
  end(): void {
    if (!this.interactive) return;
    this.out.write(this.erase());
    this.live = [];
  }

  private erase(): string {
    if (this.drawn === 0) return '';
    const up = `\x1b[${this.drawn}A\r\x1b[0J`;
    this.drawn = 0;
    return up;
  }

  private draw(): string {
    // a live line must not wrap: the erase counts one screen row a line
    const width = Math.max(20, (this.out.columns || 80) - 1);
    this.drawn = this.live.length;
    return this.live.map((l) => (l.length > width ? l.slice(0, width - 1) + '…' : l) + '\n').join('');
  }
}
