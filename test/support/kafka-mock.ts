import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('../..', import.meta.url).pathname;
const source = join(root, 'test', 'support', 'kafka-mock.c');
/** librdkafka as built by `@confluentinc/kafka-javascript` (headers and shared library). */
const librdkafka = join(root, 'node_modules', '@confluentinc', 'kafka-javascript', 'build', 'deps');

/**
 * librdkafka's mock cluster, a real implementation of the Kafka protocol, in a process of its own
 * that any client connects to. What it does not do: compaction, CreateTopics/DescribeConfigs,
 * read_committed filtering of aborted data, and it keeps only ~5 MiB per partition.
 */
export interface KafkaMock {
  /** `host:port,…` of its brokers. */
  readonly bootstrap: string;
  /** Creates a topic with this many partitions (topics a client uses first get 4). */
  createTopic(name: string, partitions: number): Promise<void>;
  setBrokerDown(id: number, down: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** The helper binary, compiled once per source and librdkafka version into node_modules/.cache. */
function mockBinary(): string {
  const header = join(librdkafka, 'include', 'librdkafka', 'rdkafka_mock.h');
  if (!existsSync(header))
    throw new Error(`librdkafka's headers are missing (${header}): run \`npm run setup\` (see README)`);
  const hash = createHash('sha256').update(readFileSync(source)).update(readFileSync(header)).digest('hex');
  const dir = join(root, 'node_modules', '.cache', 'tidemark');
  const bin = join(dir, `kafka-mock-${hash.slice(0, 12)}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  execFileSync(
    'cc',
    ['-O1', '-o', tmp, source, `-I${librdkafka}/include`, `-L${librdkafka}`, '-lrdkafka'].concat(
      `-Wl,-rpath,${librdkafka}`,
    ),
  );
  renameSync(tmp, bin); // atomic: parallel test files never run a half-written binary
  return bin;
}

/**
 * Starts a mock cluster of `brokers` brokers. A helper that dies before it answers (seen once on a
 * machine under heavy load) is started once more; its exit status is in the error.
 */
export async function startKafkaMock(brokers = 3): Promise<KafkaMock> {
  try {
    return await startOnce(brokers);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}; starting it once more\n`);
    return startOnce(brokers);
  }
}

async function startOnce(brokers: number): Promise<KafkaMock> {
  const child = spawn(mockBinary(), [String(brokers)], { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  const bootstrap = /^bootstrap (\S+)$/.exec(String(first.value ?? ''))?.[1];
  if (bootstrap === undefined) {
    child.kill('SIGKILL');
    const exited = await new Promise<string>((resolve) =>
      child.exitCode !== null || child.signalCode !== null
        ? resolve(`${child.exitCode ?? child.signalCode}`)
        : child.once('exit', (code, signal) => resolve(`${code ?? signal}`)),
    );
    throw new Error(
      `the Kafka mock cluster did not start: first line ${JSON.stringify(first.value)}, exit ${exited}`,
    );
  }
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping)
      process.stderr.write(`the Kafka mock cluster exited while in use (exit ${code ?? signal})\n`);
  });
  let queue = Promise.resolve();
  const command = (line: string): Promise<void> => {
    const next = queue.then(async () => {
      child.stdin.write(`${line}\n`);
      const answer = String((await lines.next()).value);
      if (answer !== 'ok') throw new Error(`Kafka mock: ${line}: ${answer}`);
    });
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    bootstrap,
    createTopic: (name, partitions) => command(`topic ${name} ${partitions}`),
    setBrokerDown: (id, down) => command(`${down ? 'down' : 'up'} ${id}`),
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin!.end();
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
