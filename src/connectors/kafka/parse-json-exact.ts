/**
 * JSON as the Kafka formats need it: `JSON.parse` turns 9007199254740993 into ...992 and a long
 * DECIMAL written as a number (Flink CDC, Debezium's `decimal.handling.mode=double` aside) into
 * the nearest double. parseJsonExact keeps such numbers as their text (JsonNumberText): a number
 * with 16 or more digits is not exact as a double in general, one with fewer always reads back to
 * the same text. Other values are what JSON.parse gives.
 *
 * Fast path: a text without a run of 16 digits is handed to JSON.parse (V8's parser, the common
 * case). Slow path: a small exact parser of our own (the `lossless-json` package does the same;
 * this one is ~80 lines and tested, so tidemark does not need it).
 */
export class JsonNumberText {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
}

export type ExactJson =
  null | boolean | number | string | JsonNumberText | ExactJson[] | { [key: string]: ExactJson };

const LONG_DIGITS = /\d{16}/;

/** Parses JSON text; numbers of 16+ digits become JsonNumberText. Throws SyntaxError. */
export function parseJsonExact(text: string): ExactJson {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text) as ExactJson;
  return new ExactParser(text).parseDocument();
}

/** JSON text of a parsed value, numbers as they were written. */
export function stringifyJsonExact(v: ExactJson): string {
  if (v instanceof JsonNumberText) return v.text;
  if (Array.isArray(v)) return `[${v.map(stringifyJsonExact).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${stringifyJsonExact(x)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SPACE = /[ \t\n\r]*/y;

class ExactParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): ExactJson {
    const v = this.value(0);
    this.space();
    if (this.pos !== this.text.length) this.fail('unexpected text after the JSON value');
    return v;
  }

  private value(depth: number): ExactJson {
    if (depth > 512) this.fail('nested too deeply');
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    for (const [word, v] of LITERALS)
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    return this.number();
  }

  private object(depth: number): ExactJson {
    const out: Record<string, ExactJson> = {};
    this.pos++;
    if (this.peek() === '}') return (this.pos++, out);
    do {
      this.space();
      const key = this.string();
      if (this.peek() !== ':') this.fail('expected ":"');
      this.pos++;
      out[key] = this.value(depth + 1);
    } while (this.comma());
    this.expect('}');
    return out;
  }

  private array(depth: number): ExactJson {
    const out: ExactJson[] = [];
    this.pos++;
    if (this.peek() === ']') return (this.pos++, out);
    do out.push(this.value(depth + 1));
    while (this.comma());
    this.expect(']');
    return out;
  }

  private string(): string {
    const m = this.match(STRING, 'expected a string');
    return JSON.parse(m) as string;
  }

  private number(): number | JsonNumberText {
    const m = this.match(NUMBER, 'expected a value');
    return LONG_DIGITS.test(m) ? new JsonNumberText(m) : Number(m);
  }

  private comma(): boolean {
    if (this.peek() !== ',') return false;
    this.pos++;
    return true;
  }

  private expect(c: string): void {
    if (this.peek() !== c) this.fail(`expected "${c}"`);
    this.pos++;
  }

  /** The next non-space character. */
  private peek(): string | undefined {
    this.space();
    return this.text[this.pos];
  }

  private space(): void {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.text);
    this.pos = SPACE.lastIndex;
  }

  private match(re: RegExp, what: string): string {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) this.fail(what);
    this.pos = re.lastIndex;
    return m[0];
  }

  private fail(why: string): never {
    throw new SyntaxError(`${why} at position ${this.pos} of the JSON text`);
  }
}

const LITERALS: readonly [string, ExactJson][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
