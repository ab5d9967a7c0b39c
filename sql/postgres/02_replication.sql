-- Logical replication for Debezium (pgoutput): a publication limited to the three tables
-- (the connector runs with publication.autocreate.mode=filtered against this name), and a
-- heartbeat table the connector writes to so the slot advances even when nothing changes.
-- The replication role itself is created by the stack script (its password comes from .env).
-- Idempotent.

CREATE TABLE IF NOT EXISTS debezium_heartbeat (
    id  INTEGER PRIMARY KEY,
    ts  TIMESTAMPTZ NOT NULL DEFAULT now()
);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'banking_publication') THEN
        CREATE PUBLICATION banking_publication FOR TABLE customers, accounts, transactions, debezium_heartbeat;
    END IF;
END
$$;
