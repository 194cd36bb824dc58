// The dashboard in a real browser (playwright-core driving Debian's chromium): seed 000's job
// (its YAML with DuckDB in MaxCompute's place, against a private MariaDB) is submitted, reaches
// streaming on the page, a row inserted in MariaDB moves the row count and rows/s, the job is
// stopped with a savepoint and resumed from the page, and the sink equals MariaDB. Screenshots are
// saved in the test's temporary directory for a reviewer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { SEED_000_SETUP_SQL } from './support/seed-000.js';
import { startTestServer, type TestServer } from './support/job-server.js';
import { duckRows, mariaRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

let db: MariaDbInstance;
let browser: Browser | undefined;
before(async () => {
  if (!CHROMIUM) return;
  db = await startMariaDb();
  await db.query(SEED_000_SETUP_SQL);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});
after(async () => {
  await browser?.close();
  await db?.stop();
});

const text = async (page: Page, testid: string): Promise<string> =>
  (await page.getByTestId(testid).first().textContent()) ?? '';

async function until(
  page: Page,
  what: string,
  ok: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

test(
  'dashboard: seed 000 job streams, counts move, stop with savepoint, resume, sink equals MariaDB',
  {
    skip: CHROMIUM
      ? false
      : 'chromium is not installed (npm run setup installs it): dashboard browser test skipped',
  },
  async (t) => {
    const dir = tempDir('tidemark-dashboard-');
    const shots = (name: string) => join(dir, `${name}.png`);
    const duck = join(dir, 'sink.duckdb');
    const pipeline = writePipeline(dir, {
      port: db.port,
      tables: 'app_db\\.*',
      duckdbPath: duck,
      name: 'Sync MySQL Database to DuckDB',
    });
    const stateDir = join(dir, 'server');
    const server: TestServer = await startTestServer(stateDir);
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1400 } });
    try {
      const submit = await runTidemark(['submit', pipeline, '--state-dir', stateDir]);
      assert.equal(submit.code, 0, submit.stderr);
      const id = /Job ID: ([0-9a-f]{32})/.exec(submit.stdout)![1]!;

      // without the token the page asks for it; the link with #token= keeps it in the browser
      await page.goto(server.url);
      await page.locator('input[name=token]').waitFor();
      await page.goto(`${server.url}/#token=${encodeURIComponent(server.token)}`);
      await page.getByTestId('job-row').first().waitFor();
      await page.screenshot({ path: shots('1-jobs'), fullPage: true });
      await page.getByRole('link', { name: 'Sync MySQL Database to DuckDB' }).click();
      await page.getByTestId('job-view').waitFor();
      assert.equal(await text(page, 'job-id'), id);

      await until(page, 'streaming', async () => (await text(page, 'job-phase')) === 'streaming');
      await until(
        page,
        'three snapshot tables',
        async () => (await page.getByTestId('snapshot-table').count()) === 3,
      );
      const graph = await text(page, 'pipeline-graph');
      assert.match(graph, /mysql.*app_db\\\.\*.*duckdb/s, graph);
      await page.screenshot({ path: shots('2-streaming'), fullPage: true });
      const before = Number(await text(page, 'rows-written'));
      assert.equal(before, 7, 'the snapshot wrote the seed rows');

      // inserts over a few seconds: the count and the rate move
      let sawRate = false;
      for (let i = 0; i < 6; i++) {
        await db.query(`INSERT INTO app_db.orders (id, price) VALUES (${10 + i}, ${i}.50)`);
        await page.waitForTimeout(400);
        sawRate ||= Number((await text(page, 'rows-per-second')) || '0') > 0;
      }
      await until(
        page,
        'the row count to move',
        async () => Number(await text(page, 'rows-written')) >= before + 6,
      );
      await until(
        page,
        'rows/s above zero',
        async () => {
          sawRate ||= Number((await text(page, 'rows-per-second')) || '0') > 0;
          return sawRate;
        },
        10_000,
      );
      await page.screenshot({ path: shots('3-after-inserts'), fullPage: true });

      await page.locator('[data-action=stop-with-savepoint]').click();
      await until(page, 'stopped', async () => (await text(page, 'job-status')) === 'STOPPED');
      await page.getByTestId('savepoints').waitFor();
      await page.screenshot({ path: shots('4-stopped-with-savepoint'), fullPage: true });

      await db.query(
        "INSERT INTO app_db.shipments (id, city) VALUES (3, 'hangzhou'); DELETE FROM app_db.orders WHERE id = 2",
      );
      await page.locator('[data-action=resume]').click();
      await until(
        page,
        'streaming again',
        async () =>
          (await text(page, 'job-status')) === 'RUNNING' && (await text(page, 'job-phase')) === 'streaming',
      );
      await until(
        page,
        'the changes made while stopped',
        async () =>
          (await page.getByTestId('sink-tables').textContent())?.includes('app_db.shipments') ?? false,
      );
      await page.screenshot({ path: shots('5-resumed'), fullPage: true });

      const stop = await server.api('POST', `/api/v1/jobs/${id}/stop`, {});
      assert.equal(stop.status, 200);
      for (const table of ['orders', 'shipments', 'products'])
        assert.deepEqual(
          await duckRows(duck, `SELECT * FROM app_db.${table}`),
          await mariaRows(db, `SELECT * FROM app_db.${table}`),
          `app_db.${table} equals MariaDB`,
        );
      t.diagnostic(`dashboard screenshots: ${dir}`);
    } finally {
      await page.close();
      await server.stop();
    }
  },
);
