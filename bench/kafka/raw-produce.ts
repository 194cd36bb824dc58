// The reference of bench/kafka: librdkafka's own produce rate through the same Node binding, with
// no CDC work. Sends `count` messages of `size` bytes with distinct keys to `topic` (partitioned
// by key, murmur2 as the Java client) and waits until all are acknowledged: `every` takes a
// delivery report per message (the binding's usual way), `errors` reports failures only and
// waits with a flush (the way tidemark's sink works). Prints the time.
//   node --import tsx raw-produce.ts <bootstrap> <topic> <count> <size> every|errors
import Kafka from '@confluentinc/kafka-javascript';

const [bootstrap, topic, countText, sizeText, reports] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  'every' | 'errors',
];
const errorsOnly = reports === 'errors';
const count = Number(countText);
const value = Buffer.alloc(Number(sizeText), 'x');
const producer = new Kafka.Producer({
  'bootstrap.servers': bootstrap,
  dr_cb: true,
  partitioner: 'murmur2_random',
  'queue.buffering.max.messages': 1_000_000,
  'delivery.report.only.error': errorsOnly,
});
await new Promise<void>((resolve, reject) =>
  producer.connect({}, (e) => (e ? reject(new Error(e.message)) : resolve())),
);
producer.setPollInterval(5);
let delivered = 0;
const t0 = Date.now();
const done = new Promise<void>((resolve, reject) =>
  producer.on('delivery-report', (err) => {
    if (err) reject(new Error(err.message));
    else if (++delivered === count || errorsOnly) resolve();
  }),
);
for (let i = 0; i < count; i++) {
  for (;;) {
    try {
      producer.produce(topic, null, value, `k${i}`);
      break;
    } catch {
      // the local queue is full: let deliveries drain it
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}
if (errorsOnly)
  await new Promise<void>((resolve, reject) =>
    producer.flush(60_000, (e) => (e ? reject(new Error(e.message)) : resolve())),
  );
else await done;
process.stdout.write(`produced in ${Date.now() - t0} ms\n`);
producer.disconnect();
