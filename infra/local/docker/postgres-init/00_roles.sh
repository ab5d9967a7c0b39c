#!/bin/sh
# Replication role for Debezium (the native stack creates it in infra/local/stack/services/postgres.ts).
set -e
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" <<SQL
CREATE ROLE "$POSTGRES_REPLICATION_USER" WITH LOGIN REPLICATION PASSWORD '$POSTGRES_REPLICATION_PASSWORD';
SQL
