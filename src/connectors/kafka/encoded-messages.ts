import { JsonBytes } from './json-bytes.js';

/**
 * The messages one change encodes to: their keys and values written one after another into one
 * reused buffer, and where each starts and ends (-1: no key / a tombstone). Views of them are
 * valid until the next reset; librdkafka copies a message's bytes before produce returns.
 */
export class EncodedMessages {
  readonly bytes = new JsonBytes();
  /** keyStart, keyEnd, valueStart, valueEnd of each message. */
  private readonly spans: number[] = [];

  get count(): number {
    return this.spans.length / 4;
  }

  reset(): void {
    this.bytes.reset();
    this.spans.length = 0;
  }

  /** Where the next bytes go: the start (or end) of a key or value. */
  mark(): number {
    return this.bytes.length;
  }

  /** A message of the bytes written: a key (keyStart -1: none) and a value (valueStart -1: a tombstone). */
  add(keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
    this.spans.push(keyStart, keyEnd, valueStart, valueEnd);
  }

  key(i: number): Buffer | null {
    return this.part(this.spans[4 * i]!, this.spans[4 * i + 1]!);
  }

  value(i: number): Buffer | null {
    return this.part(this.spans[4 * i + 2]!, this.spans[4 * i + 3]!);
  }

  /** The key or value of message `i` as text (tests, messages in errors). */
  text(i: number, part: 'key' | 'value'): string | null {
    const at = 4 * i + (part === 'key' ? 0 : 2);
    const start = this.spans[at]!;
    return start < 0 ? null : this.bytes.toString(start, this.spans[at + 1]);
  }

  /** Whether two written parts hold the same bytes (an UPDATE that keeps its key). */
  same(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
    return this.bytes.view(aStart, aEnd).equals(this.bytes.view(bStart, bEnd));
  }

  private part(start: number, end: number): Buffer | null {
    return start < 0 ? null : this.bytes.view(start, end);
  }
}
