/**
 * MySQL's binary JSON (the storage and binlog form of JSON columns) → JSON text, printed the way
 * MySQL prints it (`{"a": 1, "b": [1, 2]}`: ", " and ": " separators, doubles with ".0" when
 * integral, DATE/TIME/DATETIME opaque values as quoted strings with 6 fraction digits, DECIMAL as
 * exact numbers, other opaque values as "base64:typeNN:...").
 *
 * Also: applying the JSON diffs of PARTIAL_UPDATE_ROWS events to a document.
 */
import { decodeDecimal, formatPackedDatetime, formatPackedTime } from './column-value.js';

const T_SMALL_OBJECT = 0x00;
const T_LARGE_OBJECT = 0x01;
const T_SMALL_ARRAY = 0x02;
const T_LARGE_ARRAY = 0x03;
const T_LITERAL = 0x04;
const T_INT16 = 0x05;
const T_UINT16 = 0x06;
const T_INT32 = 0x07;
const T_UINT32 = 0x08;
const T_INT64 = 0x09;
const T_UINT64 = 0x0a;
const T_DOUBLE = 0x0b;
const T_STRING = 0x0c;
const T_OPAQUE = 0x0f;

/** Converts one binary JSON document `buf[start, end)` to MySQL's JSON text. */
export function mysqlJsonToText(buf: Buffer, start: number, end: number): string {
  if (end <= start) return 'null';
  budget = end - start + 16;
  return renderNode(parseValue(buf, buf[start]!, start + 1, end, 0));
}

/**
 * Values a document may still hold. A well-formed document has fewer values than bytes; a corrupt
 * one whose entries point at the same sub-document again and again would otherwise take
 * exponential time.
 */
let budget = 0;

/** A parsed JSON document: containers as nodes, scalars already rendered as JSON text. */
export type JsonNode =
  | { readonly t: 'object'; keys: string[]; values: JsonNode[] }
  | { readonly t: 'array'; items: JsonNode[] }
  | { readonly t: 'scalar'; readonly text: string };

/** Parses a binary JSON document into a tree (for partial updates). */
export function parseMysqlJson(buf: Buffer, start: number, end: number): JsonNode {
  if (end <= start) return { t: 'scalar', text: 'null' };
  budget = end - start + 16;
  return parseValue(buf, buf[start]!, start + 1, end, 0);
}

function fail(msg: string): never {
  throw new Error(`bad binary JSON: ${msg}`);
}

function check(end: number, limit: number): void {
  if (end > limit) fail(`value runs past its end (${end} > ${limit})`);
}

/** Parses the value of `type` whose data starts at `pos`; `end` bounds the document. */
function parseValue(buf: Buffer, type: number, pos: number, end: number, depth: number): JsonNode {
  if (depth > 150) fail('nesting too deep');
  if (--budget < 0) fail('more values than the document has bytes (entries overlap)');
  switch (type) {
    case T_SMALL_OBJECT:
    case T_LARGE_OBJECT:
      return parseContainer(buf, pos, end, type === T_LARGE_OBJECT, true, depth);
    case T_SMALL_ARRAY:
    case T_LARGE_ARRAY:
      return parseContainer(buf, pos, end, type === T_LARGE_ARRAY, false, depth);
    default:
      return { t: 'scalar', text: scalarText(buf, type, pos, end) };
  }
}

function readVarLen(buf: Buffer, pos: number, end: number): [number, number] {
  let len = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= end) fail('truncated length');
    const b = buf[pos + i]!;
    len += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [len, pos + i + 1];
  }
  return fail('length too long');
}

function scalarText(buf: Buffer, type: number, pos: number, end: number): string {
  switch (type) {
    case T_LITERAL: {
      check(pos + 1, end);
      const v = buf[pos]!;
      if (v === 0) return 'null';
      if (v === 1) return 'true';
      if (v === 2) return 'false';
      return fail(`unknown literal ${v}`);
    }
    case T_INT16:
      check(pos + 2, end);
      return String(buf.readInt16LE(pos));
    case T_UINT16:
      check(pos + 2, end);
      return String(buf.readUInt16LE(pos));
    case T_INT32:
      check(pos + 4, end);
      return String(buf.readInt32LE(pos));
    case T_UINT32:
      check(pos + 4, end);
      return String(buf.readUInt32LE(pos));
    case T_INT64:
      check(pos + 8, end);
      return String(buf.readBigInt64LE(pos));
    case T_UINT64:
      check(pos + 8, end);
      return String(buf.readBigUInt64LE(pos));
    case T_DOUBLE:
      check(pos + 8, end);
      return formatJsonDouble(buf.readDoubleLE(pos));
    case T_STRING: {
      const [len, p] = readVarLen(buf, pos, end);
      check(p + len, end);
      return quoteJsonString(buf.toString('utf8', p, p + len));
    }
    case T_OPAQUE: {
      check(pos + 1, end);
      const fieldType = buf[pos]!;
      const [len, p] = readVarLen(buf, pos + 1, end);
      check(p + len, end);
      return opaqueText(buf, fieldType, p, p + len);
    }
    default:
      return fail(`unknown value type 0x${type.toString(16)}`);
  }
}

function opaqueText(buf: Buffer, fieldType: number, start: number, end: number): string {
  switch (fieldType) {
    case 246: {
      // NEWDECIMAL: precision, scale, binary decimal.
      if (end - start < 2) fail('short DECIMAL');
      return decodeDecimal(buf, start + 2, buf[start]!, buf[start + 1]!);
    }
    case 10: // DATE
    case 12: // DATETIME
    case 7: {
      // TIMESTAMP
      if (end - start < 8) fail('short DATETIME');
      const packed = buf.readBigInt64LE(start);
      return `"${formatPackedDatetime(packed, 6, fieldType === 10)}"`;
    }
    case 11: {
      if (end - start < 8) fail('short TIME');
      return `"${formatPackedTime(Number(buf.readBigInt64LE(start)), 6)}"`;
    }
    case 253: // VAR_STRING: a plain string
      return quoteJsonString(buf.toString('utf8', start, end));
    default: {
      const b64 = buf.toString('base64', start, end);
      // MySQL's base64 breaks lines every 76 characters.
      let wrapped = '';
      for (let i = 0; i < b64.length; i += 76) wrapped += (i > 0 ? '\n' : '') + b64.slice(i, i + 76);
      return quoteJsonString(`base64:type${fieldType}:${wrapped}`);
    }
  }
}

function parseContainer(
  buf: Buffer,
  start: number,
  end: number,
  large: boolean,
  isObject: boolean,
  depth: number,
): JsonNode {
  const w = large ? 4 : 2;
  check(start + 2 * w, end);
  const count = large ? buf.readUInt32LE(start) : buf.readUInt16LE(start);
  const size = large ? buf.readUInt32LE(start + w) : buf.readUInt16LE(start + w);
  const cend = start + size;
  check(cend, end);
  const keyEntries = start + 2 * w;
  const valueEntries = keyEntries + (isObject ? count * (w + 2) : 0);
  check(valueEntries + count * (1 + w), cend);
  const values: JsonNode[] = new Array<JsonNode>(count);
  for (let i = 0; i < count; i++) {
    const e = valueEntries + i * (1 + w);
    const type = buf[e]!;
    const inlined =
      type === T_LITERAL ||
      type === T_INT16 ||
      type === T_UINT16 ||
      (large && (type === T_INT32 || type === T_UINT32));
    if (inlined) values[i] = { t: 'scalar', text: scalarText(buf, type, e + 1, e + 1 + w) };
    else {
      const off = large ? buf.readUInt32LE(e + 1) : buf.readUInt16LE(e + 1);
      values[i] = parseValue(buf, type, start + off, cend, depth + 1);
    }
  }
  if (!isObject) return { t: 'array', items: values };
  const keys: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const e = keyEntries + i * (w + 2);
    const off = large ? buf.readUInt32LE(e) : buf.readUInt16LE(e);
    const len = buf.readUInt16LE(e + w);
    check(start + off + len, cend);
    keys[i] = buf.toString('utf8', start + off, start + off + len);
  }
  return { t: 'object', keys, values };
}

/** Renders a tree as MySQL prints JSON. */
export function renderNode(n: JsonNode): string {
  switch (n.t) {
    case 'scalar':
      return n.text;
    case 'array': {
      let s = '[';
      for (let i = 0; i < n.items.length; i++) s += (i > 0 ? ', ' : '') + renderNode(n.items[i]!);
      return `${s}]`;
    }
    case 'object': {
      let s = '{';
      for (let i = 0; i < n.keys.length; i++) {
        s += `${i > 0 ? ', ' : ''}${quoteJsonString(n.keys[i]!)}: ${renderNode(n.values[i]!)}`;
      }
      return `${s}}`;
    }
    default: {
      const never: never = n;
      return never;
    }
  }
}

const HEX = '0123456789abcdef';

/** Double-quotes a string as MySQL does (\" \\ \b \f \n \r \t, other controls as \u00xx). */
export function quoteJsonString(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      needs = true;
      break;
    }
  }
  if (!needs) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        if (c < 0x20) out += `\\u00${HEX[c >> 4]!}${HEX[c & 15]!}`;
        else out += s[i]!;
    }
  }
  return `${out}"`;
}

/**
 * A double as MySQL's JSON printer shows it: shortest round-trip digits (my_gcvt), scientific
 * notation for very small/large exponents, and ".0" appended to integral values.
 */
export function formatJsonDouble(d: number): string {
  if (!Number.isFinite(d)) return String(d);
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const exp = d.toExponential(); // shortest digits, "d.ddde±x"
  const eAt = exp.indexOf('e');
  const mantissa = exp.slice(0, eAt);
  const e = Number(exp.slice(eAt + 1));
  if (e < -4 || e >= 15) {
    return `${mantissa}e${e}`;
  }
  const s = String(d);
  return s.includes('.') ? s : `${s}.0`;
}

// ---- partial JSON updates (PARTIAL_UPDATE_ROWS) ----------------------------------------------

/** One logical change of a JSON document in a PARTIAL_UPDATE_ROWS after-image. */
export interface JsonDiff {
  readonly operation: 'replace' | 'insert' | 'remove';
  /** MySQL JSON path, e.g. `$.a[1]`. */
  readonly path: string;
  /** The new value as a tree (absent for remove). */
  readonly value?: JsonNode;
}

function readPackedInt(buf: Buffer, pos: number): [number, number] {
  const b = buf[pos]!;
  if (b < 0xfb) return [b, pos + 1];
  if (b === 0xfc) return [buf.readUInt16LE(pos + 1), pos + 3];
  if (b === 0xfd) return [buf.readUIntLE(pos + 1, 3), pos + 4];
  if (b === 0xfe) return [Number(buf.readBigUInt64LE(pos + 1)), pos + 9];
  return fail('bad packed integer');
}

/** Parses the JSON diff list stored as a partial JSON column value `buf[start, end)`. */
export function parseJsonDiffs(buf: Buffer, start: number, end: number): JsonDiff[] {
  const diffs: JsonDiff[] = [];
  let p = start;
  while (p < end) {
    const op = buf[p]!;
    p++;
    const [pathLen, p1] = readPackedInt(buf, p);
    check(p1 + pathLen, end);
    const path = buf.toString('utf8', p1, p1 + pathLen);
    p = p1 + pathLen;
    if (op === 2) {
      diffs.push({ operation: 'remove', path });
      continue;
    }
    if (op !== 0 && op !== 1) fail(`unknown JSON diff operation ${op}`);
    const [valueLen, p2] = readPackedInt(buf, p);
    check(p2 + valueLen, end);
    const value = parseMysqlJson(buf, p2, p2 + valueLen);
    p = p2 + valueLen;
    diffs.push({ operation: op === 0 ? 'replace' : 'insert', path, value });
  }
  return diffs;
}

type PathLeg = { readonly key: string } | { readonly index: number; readonly last: boolean };

function parsePath(path: string): PathLeg[] {
  if (path[0] !== '$') fail(`bad JSON path ${path}`);
  const legs: PathLeg[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
      if (path[i] === '"') {
        let key = '';
        i++;
        while (i < path.length && path[i] !== '"') {
          if (path[i] === '\\') i++;
          key += path[i] ?? '';
          i++;
        }
        i++;
        legs.push({ key });
      } else {
        let j = i;
        while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
        legs.push({ key: path.slice(i, j) });
        i = j;
      }
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) fail(`bad JSON path ${path}`);
      const inner = path.slice(i + 1, close).trim();
      if (inner.startsWith('last')) {
        const minus = inner.indexOf('-');
        legs.push({ index: minus < 0 ? 0 : -Number(inner.slice(minus + 1).trim()), last: true });
      } else legs.push({ index: Number(inner), last: false });
      i = close + 1;
    } else if (c === ' ') i++;
    else fail(`unsupported JSON path ${path}`);
  }
  return legs;
}

/** MySQL orders object keys by length, then bytewise. */
function keyOrder(a: string, b: string): number {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ba.length !== bb.length) return ba.length - bb.length;
  return Buffer.compare(ba, bb);
}

/** Applies JSON diffs to a document tree (mutating it) and returns the new root. */
export function applyJsonDiffs(root: JsonNode, diffs: readonly JsonDiff[]): JsonNode {
  let doc = root;
  for (const d of diffs) {
    const legs = parsePath(d.path);
    if (legs.length === 0) {
      if (d.operation === 'remove') fail('cannot remove the root');
      doc = d.value!;
      continue;
    }
    let parent = doc;
    for (let i = 0; i < legs.length - 1; i++) parent = child(parent, legs[i]!, d.path);
    const leg = legs[legs.length - 1]!;
    if ('key' in leg) {
      if (parent.t !== 'object') fail(`path ${d.path} does not lead to an object`);
      const at = parent.keys.indexOf(leg.key);
      if (d.operation === 'remove') {
        if (at >= 0) {
          parent.keys.splice(at, 1);
          parent.values.splice(at, 1);
        }
      } else if (at >= 0) parent.values[at] = d.value!;
      else {
        let pos = 0;
        while (pos < parent.keys.length && keyOrder(parent.keys[pos]!, leg.key) < 0) pos++;
        parent.keys.splice(pos, 0, leg.key);
        parent.values.splice(pos, 0, d.value!);
      }
    } else {
      if (parent.t !== 'array') fail(`path ${d.path} does not lead to an array`);
      let idx = leg.last ? parent.items.length - 1 + leg.index : leg.index;
      if (d.operation === 'remove') parent.items.splice(idx, 1);
      else if (d.operation === 'insert') {
        if (idx > parent.items.length) idx = parent.items.length;
        parent.items.splice(idx, 0, d.value!);
      } else parent.items[idx] = d.value!;
    }
  }
  return doc;
}

function child(n: JsonNode, leg: PathLeg, path: string): JsonNode {
  if ('key' in leg) {
    if (n.t !== 'object') return fail(`path ${path} does not lead to an object`);
    const at = n.keys.indexOf(leg.key);
    if (at < 0) return fail(`path ${path}: no key ${leg.key}`);
    return n.values[at]!;
  }
  if (n.t !== 'array') return fail(`path ${path} does not lead to an array`);
  const idx = leg.last ? n.items.length - 1 + leg.index : leg.index;
  const c = n.items[idx];
  if (c === undefined) return fail(`path ${path}: no element ${idx}`);
  return c;
}
