import { after, before } from 'node:test';
import { mysqlSourceOptionsSchema } from '../src/connectors/mysql/options.js';
import { MysqlSource } from '../src/connectors/mysql/mysql-source.js';
import { sourceConformanceSuite } from '../src/runtime/source-conformance.js';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';

const DB = 'source_conformance';
let db: MariaDbInstance;

before(async () => {
  db = await sharedMariaDb();
});
after(async () => {
  await db?.query(`DROP DATABASE IF EXISTS ${DB}`);
});

sourceConformanceSuite({
  name: 'mysql',
  setup: async () => {
    await db.query(
      `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}; ` +
        `CREATE TABLE ${DB}.t (id INT PRIMARY KEY, txn INT, size INT)`,
    );
    return {
      newSource: () =>
        Promise.resolve(
          new MysqlSource(
            mysqlSourceOptionsSchema.parse({
              hostname: db.host,
              port: db.port,
              username: db.rootUser,
              password: db.rootPassword,
              tables: `${DB}.t`,
              // small chunks: the snapshot takes several checkpoints
              'scan.incremental.snapshot.chunk.size': 2,
              'heartbeat.interval': '1s',
            }),
            { parallelism: 1 },
          ),
        ),
      commit: async (transactions) => {
        for (const t of transactions) {
          const values = t.ids.map((id) => `(${id}, ${t.txn}, ${t.ids.length})`).join(', ');
          await db.query(`BEGIN; INSERT INTO ${DB}.t VALUES ${values}; COMMIT`);
        }
      },
      dispose: () => Promise.resolve(),
    };
  },
});
