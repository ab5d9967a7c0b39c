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
import re
import sys

import fakesnow
import fakesnow.copy_into as copy_into
from sqlglot import exp

# fakesnow 0.12.1's COPY has no INCLUDE_METADATA: emulated here, for exactly the mapping Snowflake
# documents for Parquet (it needs MATCH_BY_COLUMN_NAME): the target columns get METADATA$FILENAME
# (the file's path relative to the stage: its FILES entry, as our COPY names files from the stage
# root) and METADATA$START_SCAN_TIME. Any other INCLUDE_METADATA is refused, so a wrong one fails.
_metadata = {}
_params = copy_into._params
_inserts = copy_into._inserts


def _params_with_metadata(expr, params=None, **kw):
    _metadata.clear()
    kept = []
    for param in expr.args.get("params", []):
        if param.this.name.upper() == "INCLUDE_METADATA":
            text = param.sql(dialect="snowflake")
            inner = re.fullmatch(r"\s*INCLUDE_METADATA\s*=\s*\((.*)\)\s*", text, re.S | re.I)
            for pair in (inner.group(1).split(",") if inner else []):
                target, _, source = (x.strip().upper() for x in pair.partition("="))
                if source not in ("METADATA$FILENAME", "METADATA$START_SCAN_TIME") or not target:
                    raise ValueError(f"INCLUDE_METADATA not emulated: {text}")
                _metadata[target] = source
            if not _metadata:
                raise ValueError(f"INCLUDE_METADATA not understood: {text}")
        else:
            kept.append(param)
    expr.set("params", kept)
    out = _params(expr, params, **kw)
    if _metadata and out.match_by_column_name == copy_into.MatchByColumnName.NONE:
        raise ValueError("INCLUDE_METADATA requires MATCH_BY_COLUMN_NAME")
    _metadata["files"] = out.files
    return out


def _inserts_with_metadata(expr, params, urls, parquet_info=None):
    inserts = _inserts(expr, params, urls, parquet_info)
    if not _metadata:
        return inserts
    files = _metadata.get("files") or []
    for ins, url in zip(inserts, urls):
        name = next((f for f in files if url.endswith(f)), url)
        for sel in ins.expression.expressions:
            if isinstance(sel, exp.Alias) and sel.alias.upper() in _metadata:
                source = _metadata[sel.alias.upper()]
                sel.set("this", exp.Literal.string(name) if source == "METADATA$FILENAME" else exp.CurrentTimestamp())
    return inserts


# fakesnow 0.12.1 refuses FILES = (...) on an internal (table) stage ("invalid URL prefix": it
# wants a URL scheme), which Snowflake accepts: the names are joined to the stage's folder instead.
_source_urls = copy_into._source_urls


def _source_urls_internal(source, files):
    if copy_into.stage.is_internal(source):
        return [source.rstrip("/") + "/" + f.lstrip("/") for f in files] or [source]
    return _source_urls(source, files)


copy_into._source_urls = _source_urls_internal
copy_into._params = _params_with_metadata
copy_into._inserts = _inserts_with_metadata

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

    # fakesnow implements no ALTER SESSION for these: the proxy keeps them, and {"session": true}
    # answers what was set, so a test can see the session's timeouts.
    session = {}
    alter = re.compile(r"\s*ALTER\s+SESSION\s+SET\s+((?:\w+\s*=\s*\w+\s*)+)$", re.I)

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req.get("session"):
                print(json.dumps({"rows": [session]}), flush=True)
                continue
            m = alter.match(req.get("sql") or "")
            if m and all(k.upper() in ("STATEMENT_TIMEOUT_IN_SECONDS", "LOCK_TIMEOUT") for k in re.findall(r"(\w+)\s*=", m.group(1))):
                for k, v in re.findall(r"(\w+)\s*=\s*(\w+)", m.group(1)):
                    session[k.upper()] = int(v)
                print(json.dumps({"rows": [{"status": "Statement executed successfully."}]}), flush=True)
                continue
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
