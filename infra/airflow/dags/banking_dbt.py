"""banking_dbt: keep the analytics models current with the RAW change log.

Every minute by default (BANKING_DBT_SCHEDULE: a cron expression, a preset like @hourly, or "none"
to trigger by hand): check that RAW is fresh, then `dbt build` (models and their tests). Build runs
even when freshness fails, so the models still reflect what has landed; the run then ends failed
(via `all_passed`), so staleness is never silent.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import dag, task
from airflow.sdk.exceptions import AirflowFailException

from banking_common.dbt_runner import DbtFailed, run_dbt

SCHEDULE = os.environ.get("BANKING_DBT_SCHEDULE", "* * * * *")
TARGET = os.environ.get("DBT_TARGET", "local")


def _dbt(args: list[str]) -> None:
    try:
        run_dbt([*args, "--target", TARGET], work_name="banking_dbt")
    except DbtFailed as err:
        # A failing test or SQL error will fail again on retry: fail now. Lock timeouts
        # (WarehouseBusy) propagate normally and use the task's retries.
        raise AirflowFailException(str(err)) from err


@dag(
    dag_id="banking_dbt",
    schedule=None if SCHEDULE.lower() == "none" else SCHEDULE,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    # dbt on DuckDB is one writer: never overlap two runs.
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["banking", "dbt"],
    doc_md=__doc__,
)
def banking_dbt():
    @task
    def source_freshness() -> None:
        _dbt(["source", "freshness"])

    @task(trigger_rule="all_done")
    def build() -> None:
        _dbt(["build"])

    @task
    def all_passed() -> None:
        """Runs only when every upstream task succeeded: its upstream_failed state fails the run."""

    freshness = source_freshness()
    built = build()
    freshness >> built
    [freshness, built] >> all_passed()


banking_dbt()
