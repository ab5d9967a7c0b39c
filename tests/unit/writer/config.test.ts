import { loadWriterConfig } from '../../../functions/writer';
import { WRITER_CONFIG_KEYS } from '../../../functions/writer/config';
import { ConfigError } from '../../../functions/shared/errors';

describe("the writer's config", () => {
  test('reads only the lake and the topic prefix (and the log level)', () => {
    expect([...WRITER_CONFIG_KEYS].sort().join(' ')).toBe(
      'AWS_REGION DLQ_PREFIX KAFKA_EPOCH KAFKA_TOPIC_PREFIX LOG_LEVEL MINIO_ACCESS_KEY MINIO_BUCKET MINIO_ENDPOINT MINIO_SECRET_KEY',
    );
    expect(loadWriterConfig({})).toMatchObject({
      MINIO_BUCKET: 'banking-data',
      DLQ_PREFIX: '_dlq',
      KAFKA_TOPIC_PREFIX: 'banking_server',
    });
    expect(loadWriterConfig({ MINIO_ENDPOINT: 'aws' }).MINIO_ENDPOINT).toBe('');
  });

  test('a wrong value stops start-up naming the variable', () => {
    expect(() => loadWriterConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadWriterConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
  });

  test("another function's or the stack's bad variable does not stop it", () => {
    const cfg = loadWriterConfig({ POSTGRES_PORT: 'five', WAREHOUSE: 'oracle', POSTGRES_HOST: 'db.prod.example.com' });
    expect(cfg.MINIO_BUCKET).toBe('banking-data');
    expect(cfg).not.toHaveProperty('POSTGRES_PASSWORD');
  });
});
