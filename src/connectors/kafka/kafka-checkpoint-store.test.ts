import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CHECKPOINT_FORMAT, type Checkpoint } from '../../runtime/checkpoint.js';
import { startKafkaMock, type KafkaMock } from '../../../test/support/kafka-mock.js';
import { produceMessages, type TestMessage } from '../../../test/support/kafka-produce.js';
import { KafkaCheckpointStore } from './kafka-checkpoint-store.js';

let mock: KafkaMock;
before(async () => {
  mock = await startKafkaMock(1);
});
after(() => mock.stop());

const checkpoint = (pipeline: string, seq: number): TestMessage => {
  const cp: Checkpoint = {
    format: CHECKPOINT_FORMAT,
    seq,
    pipeline,
    source: { seq },
    runtime: {},
    createdAt: seq,
  };
  return { key: pipeline, value: JSON.stringify(cp), partition: 0 };
};
const newest = (topic: string, pipeline: string): Promise<Checkpoint | undefined> =>
  new KafkaCheckpointStore(topic, pipeline, { 'bootstrap.servers': mock.bootstrap }).newest();

test('the newest checkpoint of each pipeline, however far back it is (the topic is not compacted)', async () => {
  await mock.createTopic('cps', 1);
  const messages = [checkpoint('old', 1), checkpoint('old', 2)];
  for (let seq = 1; seq <= 700; seq++) messages.push(checkpoint('busy', seq));
  messages.push(checkpoint('recent', 7));
  await produceMessages(mock.bootstrap, 'cps', messages);
  assert.equal((await newest('cps', 'busy'))?.seq, 700);
  assert.equal((await newest('cps', 'recent'))?.seq, 7);
  assert.equal((await newest('cps', 'old'))?.seq, 2, 'found beyond the first windows');
  assert.equal(await newest('cps', 'never'), undefined);
});

test('a missing or empty checkpoint topic holds no checkpoint', async () => {
  assert.equal(await newest('no_such_topic', 'p'), undefined);
  await mock.createTopic('empty_cps', 1);
  assert.equal(await newest('empty_cps', 'p'), undefined);
});
