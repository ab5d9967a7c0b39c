"""
A line-oriented proxy from Node to fakesnow (a Snowflake emulator on DuckDB), for the Snowflake
adapter's tests: the Node snowflake-sdk cannot decode fakesnow's Arrow results, so the adapter's
own SQL is sent here, one JSON request per line, and run through snowflake.connector as patched
by fakesnow. Request: {"sql": "...", "binds": [...]}, or {"duckdb": "..."} run on fakesnow's own DuckDB
connection (how the tests put Parquet rows into RAW, since fakesnow's COPY cannot); reply: {"rows": [{COLUMN: value}]} or
{"error": "...", "code": "..."}. Run with the fakesnow venv's python; argv[1] is the db path
(fakesnow persists databases there, so dbt can build on what the adapter loaded).
"""

import datetime
import decimal
import json
import sys

import fakesnow

with fakesnow.patch(db_path=sys.argv[1]):
    import snowflake.connector

    snowflake.connector.paramstyle = "qmark"
    conn = snowflake.connector.connect(database=sys.argv[2], schema=sys.argv[3])

    def cell(v):
        if isinstance(v, decimal.Decimal):
            return str(v)
        if isinstance(v, (datetime.datetime, datetime.date)):
            return v.isoformat()
        return v

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if "duckdb" in req:
                conn._duck_conn.execute(req["duckdb"])
                print(json.dumps({"rows": []}), flush=True)
                continue
            cur = conn.cursor(snowflake.connector.DictCursor)
            cur.execute(req["sql"], req.get("binds") or None)
            rows = cur.fetchall() if cur.description else []
            out = {"rows": [{k: cell(v) for k, v in r.items()} for r in rows]}
        except Exception as err:  # reported to the Node side, which decides
            out = {"error": str(err), "code": str(getattr(err, "errno", "") or "")}
        print(json.dumps(out, default=str), flush=True)
