// GEOMETRY values (SRID + WKB, as the snapshot and the binlog give them) rendered as GeoJSON-like
// objects, compared with MariaDB's own ST_AsGeoJSON of the same values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { geometryToJson } from '../src/event/geometry-json.js';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});
after(async () => {
  await db?.stop();
});

test('every WKB geometry type renders like ST_AsGeoJSON, with its SRID', async () => {
  const wkt = [
    'POINT(1.5 -2.25)',
    'LINESTRING(0 0,1 1,2 0.5)',
    'POLYGON((0 0,4 0,4 4,0 4,0 0),(1 1,2 1,2 2,1 1))',
    'MULTIPOINT(1 1,2 2)',
    'MULTILINESTRING((0 0,1 1),(2 2,3 3))',
    'MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))',
    'GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))',
  ];
  await db.query(
    'CREATE DATABASE IF NOT EXISTS geo_db; CREATE TABLE geo_db.g (id INT PRIMARY KEY, g GEOMETRY)',
  );
  for (const [i, w] of wkt.entries()) {
    await db.query(`INSERT INTO geo_db.g VALUES (${i}, ST_GeomFromText('${w}', ${i === 0 ? 4326 : 0}))`);
  }
  const rows = await db.query<{ id: number; g: string; j: string; srid: number }[]>(
    // HEX: the internal form (SRID + WKB) as stored, which mysql2 would otherwise parse itself
    'SELECT id, HEX(g) AS g, ST_AsGeoJSON(g) AS j, ST_SRID(g) AS srid FROM geo_db.g ORDER BY id',
  );
  assert.equal(rows.length, wkt.length);
  for (const r of rows) {
    const got = geometryToJson(Buffer.from(r.g, 'hex'));
    const expected = JSON.parse(r.j) as { type: string };
    const { srid, ...geo } = got;
    assert.deepEqual(geo, expected, wkt[r.id]);
    assert.equal(srid, r.srid);
  }
  assert.throws(
    () => geometryToJson(Buffer.from(rows[0]!.g, 'hex').subarray(0, 10)),
    /invalid GEOMETRY value: truncated WKB/,
  );
});
