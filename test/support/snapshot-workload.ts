// A random concurrent workload for snapshot tests: multi-statement transactions of INSERT, UPDATE
// (values, and primary keys moved across chunk boundaries), DELETE, on tables created by
// createWorkloadTables().
import type { Connection } from 'mysql2/promise';
import type { MariaDbInstance } from './mariadb.js';

export const KEY_SPACE = 100_000;

/** t_int (INT key), t_comp (composite key), t_ins (no primary key, insert-only, chunk key `k`). */
export async function createWorkloadTables(db: MariaDbInstance, name: string, rows: number): Promise<void> {
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
    CREATE TABLE ${name}.t_int (id INT PRIMARY KEY, grp INT NOT NULL, note VARCHAR(40), amount DECIMAL(12,2));
    CREATE TABLE ${name}.t_comp (a INT NOT NULL, b VARCHAR(12) NOT NULL, v BIGINT, PRIMARY KEY (a, b));
    CREATE TABLE ${name}.t_ins (k INT NOT NULL, note VARCHAR(40), KEY (k));
    INSERT INTO ${name}.t_int SELECT seq * 10, seq % 7, CONCAT('n', seq), seq * 1.5 FROM ${name}.seq_1_to_${rows};
    INSERT INTO ${name}.t_comp SELECT seq % 50, CONCAT('b', seq), seq FROM ${name}.seq_1_to_${rows};
    INSERT INTO ${name}.t_ins SELECT seq % 500, CONCAT('i', seq) FROM ${name}.seq_1_to_${rows};
    ANALYZE TABLE ${name}.t_int;`);
}

const rnd = (n: number): number => Math.floor(Math.random() * n);

function statement(name: string, rows: number, insSeq: { n: number }): string {
  const maxId = rows * 10 + 2000;
  switch (rnd(9)) {
    case 0:
      return `INSERT IGNORE INTO ${name}.t_int VALUES (${rnd(maxId)}, ${rnd(7)}, 'ins', ${rnd(1000)}.25)`;
    case 1:
      return `UPDATE ${name}.t_int SET note = CONCAT('u', ${rnd(1000)}), amount = amount + 1 WHERE id BETWEEN ${rnd(maxId)} AND ${rnd(maxId)} + 15`;
    case 2:
      // primary key moves, across chunk boundaries (far) and within (near)
      return `UPDATE IGNORE ${name}.t_int SET id = ${rnd(maxId)} WHERE id = ${rnd(rows) * 10}`;
    case 3:
      return `DELETE FROM ${name}.t_int WHERE id BETWEEN ${rnd(maxId)} AND ${rnd(maxId)} + 12`;
    case 4:
      return `INSERT IGNORE INTO ${name}.t_comp VALUES (${rnd(60)}, 'w${rnd(KEY_SPACE)}', ${rnd(1000)})`;
    case 5:
      return `UPDATE IGNORE ${name}.t_comp SET a = ${rnd(60)}, v = v + 1 WHERE a = ${rnd(50)} AND b LIKE 'b${rnd(9)}%' LIMIT 2`;
    case 6:
      return `DELETE FROM ${name}.t_comp WHERE a = ${rnd(50)} AND b LIKE 'b${rnd(9)}${rnd(9)}%'`;
    case 7:
      return `UPDATE ${name}.t_comp SET v = v + 3 WHERE a = ${rnd(50)}`;
    default:
      insSeq.n++;
      return `INSERT INTO ${name}.t_ins VALUES (${rnd(600)}, 'w${insSeq.n}')`;
  }
}

export interface Workload {
  stop(): Promise<number>;
}

/** Runs random transactions (1-5 statements each) until stopped; returns how many committed. */
export async function startWorkload(db: MariaDbInstance, name: string, rows: number): Promise<Workload> {
  const conn: Connection = await db.connect();
  let stopped = false;
  let committed = 0;
  const insSeq = { n: 0 };
  const loop = (async () => {
    while (!stopped) {
      const n = 1 + rnd(5);
      const sql = Array.from({ length: n }, () => statement(name, rows, insSeq)).join('; ');
      await conn.query(`BEGIN; ${sql}; COMMIT`);
      committed++;
      await new Promise((r) => setTimeout(r, rnd(3)));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await conn.end();
      return committed;
    },
  };
}
