-- TRUNCATE is not replicated: Debezium skips it (skipped.operations=t, its default) and the
-- warehouse would silently keep the rows. So each TRUNCATE of a captured table is recorded here
-- (statement trigger, same transaction), and reconciliation reports it with the table, the time
-- and the WAL position. Not in the publication: nothing here reaches Kafka. Idempotent.

CREATE TABLE IF NOT EXISTS truncate_log (
    id            BIGSERIAL PRIMARY KEY,
    table_name    TEXT NOT NULL,
    truncated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    lsn           PG_LSN NOT NULL DEFAULT pg_current_wal_lsn(),
    by_user       TEXT NOT NULL DEFAULT current_user
);

CREATE OR REPLACE FUNCTION log_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO truncate_log (table_name) VALUES (TG_TABLE_NAME);
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['customers', 'accounts', 'transactions'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS log_truncate ON %I', t);
        EXECUTE format('CREATE TRIGGER log_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION log_truncate()', t);
    END LOOP;
END
$$;
