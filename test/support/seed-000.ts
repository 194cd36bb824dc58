// Seed 000's tutorial data ("Prepare data in MySQL") and its real-time steps, shared by the
// acceptance test and `npm run demo`.

export const SEED_000_SETUP_SQL = `
  CREATE DATABASE app_db;
  CREATE TABLE app_db.orders (id INT NOT NULL, price DECIMAL(10,2) NOT NULL, PRIMARY KEY (id));
  INSERT INTO app_db.orders (id, price) VALUES (1, 4.00);
  INSERT INTO app_db.orders (id, price) VALUES (2, 100.00);
  CREATE TABLE app_db.shipments (id INT NOT NULL, city VARCHAR(255) NOT NULL, PRIMARY KEY (id));
  INSERT INTO app_db.shipments (id, city) VALUES (1, 'beijing');
  INSERT INTO app_db.shipments (id, city) VALUES (2, 'xian');
  CREATE TABLE app_db.products (id INT NOT NULL, product VARCHAR(255) NOT NULL, PRIMARY KEY (id));
  INSERT INTO app_db.products (id, product) VALUES (1, 'Beer');
  INSERT INTO app_db.products (id, product) VALUES (2, 'Cap');
  INSERT INTO app_db.products (id, product) VALUES (3, 'Peanut');`;

/** "Synchronize changes in real time": the four statements, in order, with their titles. */
export const SEED_000_STEPS: readonly (readonly [title: string, sql: string])[] = [
  ['Insert a row', 'INSERT INTO app_db.orders (id, price) VALUES (3, 100.00)'],
  ['Add a column', 'ALTER TABLE app_db.orders ADD amount varchar(100) NULL'],
  ['Update a row', 'UPDATE app_db.orders SET price=100.00, amount=100.00 WHERE id=1'],
  ['Delete a row', 'DELETE FROM app_db.orders WHERE id=2'],
];
