"""Build a small RAW DuckDB warehouse for developing the dbt models before real pipeline data exists.

    <dbt venv>/bin/python dbt/dev/make_dev_raw.py [path]   (default: $WAREHOUSE_PATH or .stack/warehouse/dev.duckdb)

The RAW DDL is the loader's own (sql/warehouse/duckdb.sql). The change log tells a small story with
every case the models must handle: inserts and updates in one source transaction (one SCD2 version),
a transfer, a failed withdrawal, a profile update, a customer inserted then deleted, an account
closed, and two Kafka redeliveries (same topic/partition/offset) that staging must drop. Balances
follow the ledger to the cent. Tests of the real pipeline do not use this file.
"""
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400_000
T0 = int(datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc).timestamp() * 1000)

offsets: dict[str, int] = {}
lsn = 10_000_000


def dev_object(table, offset):
    """Where a change row "came from" (RAW's `_file`, the ledger's `object_key`). dbt never reads these
    (staging drops `_file`; only sources.yml tests `_loads.object_key` for unique and not null), so this
    file invents no lake keys: the one key contract is functions/shared/objectKeys.ts, and these names
    do not follow it on purpose (no loader, sweep or backfill would take them for lake objects)."""
    return f"dev/make_dev_raw/{table}/{offset}"


def change(con, table, op, row, ts_ms, tx_id, redeliver=False):
    """Append one change event as the loader would (CDC columns after the table's own)."""
    global lsn
    topic = f"banking_server.public.{table}"
    if redeliver:
        offset = offsets[topic] - 1  # the same delivery again
    else:
        offset = offsets.get(topic, 0)
        offsets[topic] = offset + 1
        lsn += 100
    cols = list(row) + ["_op", "_lsn", "_source_ts_ms", "_tx_id", "_kafka_topic", "_kafka_partition",
                        "_kafka_offset", "_file", "_loaded_at"]
    values = list(row.values()) + [op, lsn, ts_ms, tx_id, topic, 0, offset, dev_object(table, offset)]
    con.execute(
        f"insert into raw.{table} ({', '.join(cols)}) values ({', '.join('?' * (len(values)))}, now())",
        values,
    )


def ts(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def main():
    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WAREHOUSE_PATH", ".stack/warehouse/dev.duckdb"))
    if not target.is_absolute():
        target = ROOT / target
    target.parent.mkdir(parents=True, exist_ok=True)
    for p in (target, Path(str(target) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    con.execute("set TimeZone = 'UTC'")
    con.execute((ROOT / "sql" / "warehouse" / "duckdb.sql").read_text())

    def customer(op, cid, first, last, email, created, t, tx, **kw):
        change(con, "customers", op, dict(id=cid, first_name=first, last_name=last, email=email,
                                          created_at=ts(created)), t, tx, **kw)

    def account(op, aid, cid, balance, status, created, t, tx, currency="USD"):
        change(con, "accounts", op, dict(id=aid, customer_id=cid, account_type="CHECKING", balance=balance,
                                         currency=currency, status=status, created_at=ts(created)), t, tx)

    def txn(op, tid, aid, kind, amount, related, status, t, tx, **kw):
        change(con, "transactions", op, dict(id=tid, account_id=aid, txn_type=kind, amount=amount,
                                             related_account_id=related, status=status, created_at=ts(t)), t, tx, **kw)

    t = T0  # day 1: two customers open accounts with an opening deposit (insert + update in one transaction)
    customer("c", 1, "Ada", "Lovelace", "ada@example.com", t, t, 100)
    customer("c", 2, "Bob", "Babbage", "bob@example.com", t, t, 100)
    account("c", 1, 1, "0.00", "OPEN", t, t, 100)
    account("c", 2, 2, "0.00", "OPEN", t, t, 100)
    txn("c", 1, 1, "DEPOSIT", "100.00", None, "COMPLETED", t, 100)
    account("u", 1, 1, "100.00", "OPEN", t, t, 100)
    txn("c", 2, 2, "DEPOSIT", "50.00", None, "COMPLETED", t, 100)
    account("u", 2, 2, "50.00", "OPEN", t, t, 100)
    t2 = T0 + 2 * 3_600_000  # day 1, 12:00: a transfer, redelivered once by Kafka
    txn("c", 3, 1, "TRANSFER", "25.50", 2, "COMPLETED", t2, 101)
    txn("c", 3, 1, "TRANSFER", "25.50", 2, "COMPLETED", t2, 101, redeliver=True)
    account("u", 1, 1, "74.50", "OPEN", T0, t2, 101)
    account("u", 2, 2, "75.50", "OPEN", T0, t2, 101)
    t3 = T0 + DAY  # day 2: Ada changes her email (redelivered), Bob's big withdrawal fails
    customer("u", 1, "Ada", "Lovelace", "ada.l@example.com", T0, t3, 102)
    customer("u", 1, "Ada", "Lovelace", "ada.l@example.com", T0, t3, 102, redeliver=True)
    txn("c", 4, 2, "WITHDRAWAL", "1000.00", None, "FAILED", t3 + 3_600_000, 103)
    customer("c", 3, "Cy", "Clerk", "cy@example.com", t3 + 7_200_000, t3 + 7_200_000, 104)
    t4 = T0 + 2 * DAY  # day 3: Cy (no accounts) is erased, Bob withdraws and closes his account
    customer("d", 3, "Cy", "Clerk", "cy@example.com", t3 + 7_200_000, t4, 105)
    txn("c", 5, 2, "WITHDRAWAL", "0.01", None, "COMPLETED", t4 + 60_000, 106)
    account("u", 2, 2, "75.49", "OPEN", T0, t4 + 60_000, 106)
    account("u", 2, 2, "75.49", "CLOSED", T0, t4 + 120_000, 107)
    # The loader's ledger: one row per (dev) object, as it writes them with the rows.
    for table in ("customers", "accounts", "transactions"):
        con.execute(
            f"""insert into raw._loads (object_key, table_name, etag, row_count, loaded_at)
                select _file, '{table}', md5(_file), count(*), max(_loaded_at) from raw.{table} group by _file"""
        )
    con.close()
    print(f"dev RAW warehouse written to {target}")


if __name__ == "__main__":
    main()
