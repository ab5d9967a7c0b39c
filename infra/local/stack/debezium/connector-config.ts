/**
 * The Debezium PostgreSQL connector's configuration, built from config in one place. The native
 * stack registers it through Connect's REST API (register.ts); docker-compose's connector
 * registration uses the same JSON (written by `npm run connector -- --print`).
 */
import type { Settings } from '../settings';
import { topicFor } from '../../../../functions/shared/tables';
import { parseCapturedTables } from '../../../../functions/shared/capturedTables';
import { topicPartitions } from './topics';

export const PUBLICATION = 'banking_publication';
export const SLOT = 'banking_slot';

/**
 * Connect's topic.creation, one group per table with its partition count: what docker-compose's
 * Connect uses when it creates the topics (the native stack creates them first, see topics.ts).
 */
function topicCreation(cfg: Settings): Record<string, string> {
  const partitions = topicPartitions(cfg);
  const out: Record<string, string> = {
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': '1',
    'topic.creation.groups': [...partitions.keys()].join(','),
  };
  for (const [t, count] of partitions) {
    out[`topic.creation.${t}.include`] = topicFor(t, cfg.KAFKA_TOPIC_PREFIX).replace(/\./g, '\\.');
    out[`topic.creation.${t}.replication.factor`] = '1';
    out[`topic.creation.${t}.partitions`] = String(count);
  }
  return out;
}

/** Matched against `<db>.<schema>.<table>.<TYPE>`; the types connectSchema.ts stores from a string field. */
export const PROPAGATED_SOURCE_TYPES = ['NUMERIC', 'VARCHAR', 'TEXT', 'BPCHAR'];

const INLINE_SCHEMA_EXTRAS: Record<string, string> = {
  'datatype.propagate.source.type': PROPAGATED_SOURCE_TYPES.map((t) => `.+\\.${t}`).join(','),
  transforms: 'slim',
  'transforms.slim.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
  'transforms.slim.exclude': 'transaction,ts_us,ts_ns',
};

export function connectorConfig(cfg: Settings, dbHost = '127.0.0.1'): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': dbHost,
    'database.port': String(cfg.POSTGRES_PORT),
    'database.user': cfg.POSTGRES_REPLICATION_USER,
    // Resolved by the Connect worker from its environment (EnvVarConfigProvider), so the password
    // is never stored in Connect's config topic nor shown by its REST API.
    'database.password': '${env:POSTGRES_REPLICATION_PASSWORD}',
    'database.dbname': cfg.POSTGRES_DB,
    'topic.prefix': cfg.KAFKA_TOPIC_PREFIX,
    // CAPTURED_TABLES (Debezium matches each entry against the whole schema.table name). A table
    // in the list that does not exist yet is captured from its first change once its migration
    // created it and added it to the publication.
    'table.include.list': parseCapturedTables(cfg.CAPTURED_TABLES)
      .map((t) => `public.${t}`)
      .join(','),
    // The publication is created by sql/postgres/02_replication.sql and extended by each captured
    // table's migration (ALTER PUBLICATION ... ADD TABLE): the replication role does not own the
    // tables, so it must not try to create or alter it.
    'publication.name': PUBLICATION,
    'publication.autocreate.mode': 'disabled',
    'slot.name': SLOT,
    'snapshot.mode': 'initial',
    // How long the connector waits for more changes before it hands a batch to Kafka (default 500 ms):
    // at 1k changes/s that wait was a quarter of the commit -> RAW latency. Full batches go at once.
    'poll.interval.ms': '100',
    // Bigger hand-offs from Debezium's queue and bigger producer batches: with the default 16 KB
    // producer batch a 4 KB inline-schema value left ~4 records a request, and the capture rate
    // (the pipeline's ceiling) was set by request count, not by Postgres (bench: 2-3x the capture
    // rate measured alternately on the same stack). linger.ms 5 adds at most 5 ms of latency.
    'max.batch.size': '8192',
    'max.queue.size': '32768',
    'producer.override.batch.size': '1048576',
    'producer.override.linger.ms': '5',
    // Money stays exact: NUMERIC arrives as a decimal string, never a double.
    'decimal.handling.mode': 'string',
    'time.precision.mode': 'adaptive_time_microseconds',
    // INTERVAL as ISO 8601 text (P1Y2M3DT4H5M6.78S), exact; the default is approximate microseconds.
    'interval.handling.mode': 'string',
    // Deletes: the event carries the before image (REPLICA IDENTITY FULL), then a tombstone for compaction.
    'tombstones.on.delete': 'true',
    // Heartbeats write to a published table so the slot's confirmed LSN advances even when the
    // banking tables are idle, and the slot never pins WAL.
    'heartbeat.interval.ms': '10000',
    'heartbeat.action.query':
      'INSERT INTO public.debezium_heartbeat (id, ts) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = EXCLUDED.ts',
    // Values carry their schema inline, so a column added in Postgres reaches the lake with its exact
    // type, with no redeploy (functions/writer/decode/connectSchema.ts); the writer caches each topic's schema
    // by its text, so only the payload is parsed. Postgres's own column type, length and scale are
    // added to the string-typed fields: NUMERIC(18,2) in string decimal mode is otherwise a plain
    // string (every other type's Connect type and semantic name are exact already). The envelope
    // fields nothing reads (transaction, ts_us, ts_ns) are dropped. Both cut ~30% of a value's bytes,
    // which is what caps the pipeline on a small machine (bench).
    // DEBEZIUM_INLINE_SCHEMAS=false trades that for ~6x smaller values (README, Schema evolution).
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': cfg.DEBEZIUM_INLINE_SCHEMAS,
    ...(cfg.DEBEZIUM_INLINE_SCHEMAS === 'true' ? INLINE_SCHEMA_EXTRAS : {}),
    // No __debezium.context.* headers: nothing reads them, and Lambda delivers each header as an
    // array of byte numbers, which made up a third of every event (measured: ~420 of 1,300 bytes).
    'extended.headers.enabled': 'false',
    ...topicCreation(cfg),
  };
}
