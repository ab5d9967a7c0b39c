#!/bin/sh
# What Debezium reads and writes (same grants as the native stack).
set -e
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" <<SQL
GRANT USAGE ON SCHEMA public TO "$POSTGRES_REPLICATION_USER";
GRANT SELECT ON customers, accounts, transactions TO "$POSTGRES_REPLICATION_USER";
GRANT SELECT, INSERT, UPDATE ON debezium_heartbeat TO "$POSTGRES_REPLICATION_USER";
SQL
