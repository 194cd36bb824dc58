/**
 * JSON text written straight into bytes: the Kafka formats encode each message here instead of
 * concatenating a JavaScript string and converting it to UTF-8 afterwards (which built a rope of
 * strings per message and flattened it again, about half of the encoding's cost). The buffer is
 * reused from message to message and grows when a message needs more.
 */
export class JsonBytes {
  private buf = Buffer.allocUnsafeSlow(64 * 1024);
  /** Bytes written. */
  length = 0;

  reset(): void {
    this.length = 0;
  }

  /** Bytes as they are (texts encoded once, such as `"name":`). */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.length = p;
  }

  /** Text known to need neither escaping nor UTF-8 (digits, signs, `true`): one byte a character. */
  ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let p = this.length;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.length = p;
  }

  /**
   * A JSON string literal holding `s`, byte for byte what `JSON.stringify(s)` is in UTF-8: ASCII
   * text that needs no escape is copied as it is (most values: names, dates, decimals); anything
   * else (`"`, `\`, control characters, non-ASCII, lone surrogates) goes through JSON.stringify.
   */
  string(s: string): void {
    this.room(s.length + 2);
    const buf = this.buf;
    let p = this.length;
    buf[p++] = 0x22;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) return this.text(JSON.stringify(s));
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.length = p;
  }

  /** Any text, as UTF-8 (JSON text made elsewhere: a document's own text, JSON.stringify's). */
  text(s: string): void {
    this.room(s.length * 3);
    this.length += this.buf.write(s, this.length);
  }

  /** The bytes from `start` to `end` (not copied: valid until the next reset). */
  view(start: number, end: number): Buffer {
    return this.buf.subarray(start, end);
  }

  toString(start = 0, end = this.length): string {
    return this.buf.toString('utf8', start, end);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

/** UTF-8 bytes of a text written into every message (a field name, a fixed envelope part). */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
