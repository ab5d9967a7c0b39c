/** Pinned versions of every service the native stack installs. Change here, nowhere else. */
export const VERSIONS = {
  postgres: '15',
  /** Debezium 3.6 is built against Kafka 4.3. */
  kafka: '4.3.1',
  debezium: '3.6.3.Final',
  /** MinIO publishes source only since late 2025 and is no longer maintained upstream: pin a commit. */
  minio: 'v0.0.0-20260212201848-7aac2a2c5b7c',
} as const;
