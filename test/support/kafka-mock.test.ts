import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import Kafka from '@confluentinc/kafka-javascript';
import { startKafkaMock } from './kafka-mock.js';

test('the mock cluster: a created topic has its partitions; kcat reads what a client produced', async () => {
  const mock = await startKafkaMock();
  try {
    await mock.createTopic('eight', 8);
    const producer = new Kafka.Producer({ 'bootstrap.servers': mock.bootstrap, dr_cb: true });
    await new Promise<void>((resolve, reject) =>
      producer.connect({}, (e) => (e ? reject(new Error(e.message)) : resolve())),
    );
    producer.setPollInterval(10);
    const delivered = new Promise<number>((resolve) =>
      producer.once('delivery-report', (_e, r) => resolve(r.partition)),
    );
    producer.produce('eight', 7, Buffer.from('{"a":1}'), Buffer.from('k'));
    assert.equal(await delivered, 7);
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    const listing = execFileSync('kcat', ['-b', mock.bootstrap, '-L', '-t', 'eight'], { encoding: 'utf8' });
    assert.match(listing, /with 8 partitions/);
    const read = execFileSync(
      'kcat',
      ['-b', mock.bootstrap, '-C', '-t', 'eight', '-p', '7', '-e', '-f', '%k=%s\n'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(read, 'k={"a":1}\n');
  } finally {
    await mock.stop();
  }
});
