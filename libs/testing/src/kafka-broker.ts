/**
 * A real single-node Apache Kafka broker (KRaft) run from the official jars on Maven Central,
 * for machines with Java but no Docker. Idempotent: the jars are fetched once into the download
 * cache outside the clone (`downloadCache()`; Maven's ~/.m2 caches the downloads); every start gets a fresh data dir and free ports.
 *
 *   npm run kafka   # prints KAFKA_BROKERS=127.0.0.1:<port> and keeps the broker up (tools/kafka/start.ts)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { downloadCache } from './download-cache';

const root = resolve(__dirname, '..', '..', '..');
const KAFKA_VERSION = '4.1.2';

export interface RunningKafka {
  readonly brokers: string;
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

export function kafkaLibDir(): string {
  const lib = join(downloadCache(), 'kafka', `lib-${KAFKA_VERSION}`);
  const ready =
    existsSync(lib) && readdirSync(lib).some((f) => f.startsWith(`kafka_2.13-${KAFKA_VERSION}`));
  if (!ready) {
    mkdirSync(lib, { recursive: true });
    execFileSync(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        join(root, 'tools', 'kafka', 'pom.xml'),
        `-Dkafka.version=${KAFKA_VERSION}`,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${lib}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return lib;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.unref();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

export async function startKafka(options: { readyTimeoutMs?: number } = {}): Promise<RunningKafka> {
  const lib = kafkaLibDir();
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'textback-kafka-'));
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=2',
      'num.io.threads=2',
      'num.partitions=3',
    ].join('\n'),
  );
  const java = [
    '-Xms256m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    `-Dlog4j2.configurationFile=${join(root, 'tools', 'kafka', 'log4j2.properties')}`,
    '-cp',
    `${lib}/*`,
  ];
  // Kafka's own ids never start with '-' (it would read as a command-line option).
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  execFileSync(
    'java',
    [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props],
    { stdio: 'ignore' },
  );

  const logFile = join(dir, 'broker.log');
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn('java', [...java, 'kafka.Kafka', props], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const brokers = `127.0.0.1:${port}`;
  let started = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    if (chunk.toString().includes('Kafka Server started')) started = true;
  });
  child.stderr?.pipe(log);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    rmSync(join(dir, 'data'), { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!started) {
    if (child.exitCode !== null)
      throw new Error(`Kafka broker exited with ${child.exitCode}; see ${logFile}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Kafka broker not started in time; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const admin = new Kafka({
    clientId: 'textback-provisioning',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await admin.describeCluster();
  await admin.disconnect();
  return { brokers, pid: child.pid ?? -1, logFile, stop };
}
