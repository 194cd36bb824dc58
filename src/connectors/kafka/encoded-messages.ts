import type { Row } from '../../event/change-event.js';
import { JsonBytes } from './json-bytes.js';
import type { KeyWriter } from './kafka-key-format.js';

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

  /** Writes the key of `row` (none when the table has no key writer); where it starts, -1 for none. */
  writeKey(key: KeyWriter | undefined, row: Row): number {
    if (!key) return -1;
    const start = this.bytes.length;
    key(row, this.bytes);
    return start;
  }

  /**
   * A message of the bytes written last: its key from `keyStart` (-1: none) up to `valueStart`,
   * its value from there to the end.
   */
  addMessage(keyStart: number, valueStart: number): void {
    this.spans.push(keyStart, keyStart < 0 ? -1 : valueStart, valueStart, this.bytes.length);
  }

  /** A tombstone (no value) of the key written from `keyStart` to `keyEnd`. */
  addTombstone(keyStart: number, keyEnd: number): void {
    this.spans.push(keyStart, keyEnd, -1, -1);
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
