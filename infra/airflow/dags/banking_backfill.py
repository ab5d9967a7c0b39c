"""banking_backfill: re-drive the loader over a date range of the lake, then rebuild the models.

Manual only. Params `from` and `to` are UTC dates (YYYY-MM-DD, inclusive). The loader's ledger makes
re-driving idempotent: objects already loaded load nothing. Then `dbt build --full-refresh` so the
incremental fact is recomputed from the whole change log, late rows included.
"""
from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

from airflow.sdk import Param, dag, task
from airflow.sdk.exceptions import AirflowFailException

from banking_common.dbt_runner import REPO_ROOT, DbtFailed, run_dbt

DATE = r"^\d{4}-\d{2}-\d{2}$"
TARGET = os.environ.get("DBT_TARGET", "local")


@dag(
    dag_id="banking_backfill",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    params={
        "from": Param(datetime.now(timezone.utc).strftime("%Y-%m-%d"), type="string", pattern=DATE, description="First UTC date (inclusive)"),
        "to": Param(datetime.now(timezone.utc).strftime("%Y-%m-%d"), type="string", pattern=DATE, description="Last UTC date (inclusive)"),
    },
    default_args={"retries": 1, "retry_delay": timedelta(seconds=30)},
    tags=["banking", "backfill"],
    doc_md=__doc__,
)
def banking_backfill():
    @task
    def redrive_loader(params: dict | None = None) -> None:
        start, end = params["from"], params["to"]
        for value in (start, end):
            if not re.match(DATE, value):
                raise AirflowFailException(f"dates must be YYYY-MM-DD, got {value!r}")
        if start > end:
            raise AirflowFailException(f"from ({start}) is after to ({end})")
        npm = os.environ.get("BANKING_NPM_BIN", "npm")
        cmd = [npm, "run", "--silent", "backfill", "--", "--from", start, "--to", end]
        proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
        for line in (proc.stdout + proc.stderr).splitlines():
            print(f"backfill | {line}")
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")

    @task
    def rebuild() -> None:
        try:
            run_dbt(["build", "--full-refresh", "--target", TARGET], work_name="banking_backfill")
        except DbtFailed as err:
            raise AirflowFailException(str(err)) from err

    redrive_loader() >> rebuild()


banking_backfill()
