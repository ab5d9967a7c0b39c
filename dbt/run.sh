#!/usr/bin/env bash
# Run dbt from the repo's own, pinned virtualenv with this project and profiles:
#   dbt/run.sh build --target local        (WAREHOUSE_PATH picks the DuckDB file; default .stack/warehouse/banking.duckdb)
# The venv is created on first use from infra/python/requirements-dbt.lock (cached under ~/.cache/banking-cdc).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$(cd "$root" && npx --no-install tsx infra/local/stack/python.ts ensure dbt)"
export BANKING_REPO_ROOT="$root"
export DBT_PROFILES_DIR="$here"
cd "$here"
exec "$venv/bin/dbt" "$@"
