import { z } from 'zod';
import { ConfigError, defineConfig, parseConfig } from './config';

const schema = defineConfig({ API_SECRET: z.string().min(16, 'must be at least 16 characters') });
const valid = {
  HTTP_PORT: '3000',
  DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
  EVENT_TRANSPORT: 'in-process',
  API_SECRET: 'x'.repeat(16),
};

describe('parseConfig', () => {
  it('parses and applies defaults', () => {
    const c = parseConfig('svc', schema, valid);
    expect(c).toMatchObject({ HTTP_PORT: 3000, CONSUMER_MAX_ATTEMPTS: 5, LOG_LEVEL: 'info' });
  });

  it('fails fast naming every bad variable, never its value', () => {
    const run = () =>
      parseConfig('svc', schema, {
        ...valid,
        HTTP_PORT: 'eighty',
        API_SECRET: 'hunter2',
        DATABASE_URL: undefined,
      });
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('svc: invalid configuration');
      expect(message).toMatch(/HTTP_PORT:/);
      expect(message).toMatch(/DATABASE_URL:/);
      expect(message).toMatch(/API_SECRET: must be at least 16 characters/);
      expect(message).not.toContain('hunter2');
    }
  });

  it('requires KAFKA_BROKERS only on the Kafka transport', () => {
    expect(() => parseConfig('svc', schema, { ...valid, EVENT_TRANSPORT: 'kafka' })).toThrow(
      /KAFKA_BROKERS: is required when EVENT_TRANSPORT=kafka/,
    );
    expect(
      parseConfig('svc', schema, {
        ...valid,
        EVENT_TRANSPORT: 'kafka',
        KAFKA_BROKERS: '127.0.0.1:9092',
      }).KAFKA_BROKERS,
    ).toBe('127.0.0.1:9092');
  });
});
