import { TidemarkError } from './tidemark-error.js';

/**
 * GEOMETRY values as Flink CDC renders them in JSON formats: `{"type":"Point","coordinates":[1,2],
 * "srid":4326}` (GeoJSON geometry objects plus the SRID; a GeometryCollection has `geometries`).
 * Input is our geometry value: MySQL's internal form, a 4-byte little-endian SRID followed by WKB.
 */
export interface GeometryJson {
  readonly type: string;
  readonly coordinates?: unknown;
  readonly geometries?: readonly Omit<GeometryJson, 'srid'>[];
  readonly srid: number;
}

/** WKB geometry type codes (the index) and their GeoJSON names. */
export const WKB_GEOMETRY_TYPES: readonly string[] = [
  '',
  'Point',
  'LineString',
  'Polygon',
  'MultiPoint',
  'MultiLineString',
  'MultiPolygon',
  'GeometryCollection',
];

export function geometryToJson(value: Uint8Array): GeometryJson {
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (buf.length < 4 + 5) throw bad(`${buf.length} bytes is too short`);
  const srid = buf.readUInt32LE(0);
  const r = { pos: 4 };
  const g = readGeometry(buf, r, 0);
  if (r.pos !== buf.length) throw bad(`${buf.length - r.pos} bytes left after the geometry`);
  return { ...g, srid };
}

type Cursor = { pos: number };

function readGeometry(buf: Buffer, r: Cursor, depth: number): Omit<GeometryJson, 'srid'> {
  if (depth > 32) throw bad('nested too deeply');
  need(buf, r, 5);
  const le = buf[r.pos] === 1;
  r.pos += 1;
  const u32 = (): number => {
    need(buf, r, 4);
    const v = le ? buf.readUInt32LE(r.pos) : buf.readUInt32BE(r.pos);
    r.pos += 4;
    return v;
  };
  const f64 = (): number => {
    need(buf, r, 8);
    const v = le ? buf.readDoubleLE(r.pos) : buf.readDoubleBE(r.pos);
    r.pos += 8;
    return v;
  };
  const point = (): [number, number] => [f64(), f64()];
  const points = (): [number, number][] => {
    const n = u32();
    need(buf, r, n * 16);
    return Array.from({ length: n }, point);
  };
  const rings = (): [number, number][][] => Array.from({ length: u32() }, points);
  const code = u32();
  const type = WKB_GEOMETRY_TYPES[code];
  switch (code) {
    case 1:
      return { type: type!, coordinates: point() };
    case 2:
      return { type: type!, coordinates: points() };
    case 3:
      return { type: type!, coordinates: rings() };
    case 4:
    case 5:
    case 6: {
      const n = u32();
      const parts = Array.from({ length: n }, () => readGeometry(buf, r, depth + 1).coordinates);
      return { type: type!, coordinates: parts };
    }
    case 7: {
      const n = u32();
      return { type: type!, geometries: Array.from({ length: n }, () => readGeometry(buf, r, depth + 1)) };
    }
    default:
      throw bad(`unknown WKB geometry type ${code}`);
  }
}

function need(buf: Buffer, r: Cursor, n: number): void {
  if (r.pos + n > buf.length) throw bad('truncated WKB');
}

function bad(why: string): TidemarkError {
  return new TidemarkError('VALUE_INVALID', `invalid GEOMETRY value: ${why}`);
}
