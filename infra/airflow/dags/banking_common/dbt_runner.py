"""Run dbt from its own virtualenv for the banking DAGs, retrying while the warehouse file is busy.

DuckDB lets one process write a database file at a time; the loader writes RAW into the same file,
so a dbt run can find it locked. That is transient: retry it here with backoff (and let Airflow's
task retries cover a longer outage). Any other dbt failure (a failing test, a SQL error) is final
for this run: retrying would only repeat it.

Environment (set by the local stack's Airflow service, infra/local/stack/services/airflow.ts):
  BANKING_DBT_BIN          dbt executable of the dbt venv (required)
  BANKING_REPO_ROOT        repository root (default: derived from this file's location)
  BANKING_DBT_PROJECT_DIR  dbt project (default: <repo>/dbt)
  BANKING_DBT_WORK_DIR     where dbt's target/ and logs/ go per DAG (default: $AIRFLOW_HOME/dbt)
  BANKING_DBT_VARS         optional YAML/JSON for --vars
  WAREHOUSE_PATH, DBT_TARGET, SNOWFLAKE_*  passed through to dbt/profiles.yml
"""
from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)

REPO_ROOT = Path(os.environ.get("BANKING_REPO_ROOT") or Path(__file__).resolve().parents[4])

# DuckDB's messages when another process holds the file ("IO Error: Could not set lock on file ...:
# Conflicting lock is held in <program> (PID n)").
LOCK_ERROR = re.compile(r"Could not set lock on file|Conflicting lock is held", re.IGNORECASE)


class WarehouseBusy(RuntimeError):
    """The warehouse file stayed locked by another process through every in-task retry."""


class DbtFailed(RuntimeError):
    """dbt failed for a reason other than the file lock."""


def dbt_bin() -> str:
    path = os.environ.get("BANKING_DBT_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise DbtFailed(
            f"BANKING_DBT_BIN={path!r} is not an executable dbt. Start Airflow through the stack "
            "(`npm run stack -- up --with-airflow`), or set it to <dbt venv>/bin/dbt "
            "(`npx tsx infra/local/stack/python.ts ensure dbt` prints the venv)."
        )
    return path


def dbt_env(work_name: str) -> dict[str, str]:
    env = dict(os.environ)
    project = os.environ.get("BANKING_DBT_PROJECT_DIR") or str(REPO_ROOT / "dbt")
    work = Path(os.environ.get("BANKING_DBT_WORK_DIR") or Path(os.environ.get("AIRFLOW_HOME", "/tmp")) / "dbt") / work_name
    env.update(
        BANKING_REPO_ROOT=str(REPO_ROOT),
        DBT_PROFILES_DIR=project,
        DBT_PROJECT_DIR=project,
        # One target/log dir per DAG: two dbt processes must never share partial-parse state.
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def _wanted_marker() -> Path | None:
    path = os.environ.get("WAREHOUSE_PATH")
    if not path:
        return None
    return Path(path if os.path.isabs(path) else REPO_ROOT / path).with_name(Path(path).name + ".wanted")


def mark_warehouse_wanted() -> None:
    """Touch <warehouse>.wanted: a loader keeping the file open between batches then lets go of it
    after its current batch (functions/loader/wantedMarker.ts). Best effort."""
    marker = _wanted_marker()
    try:
        if marker:
            marker.write_text(f"dbt:{os.getpid()}\n")
    except OSError:
        pass


def withdraw_warehouse_wanted() -> None:
    """dbt got the file: remove our marker (left standing, loaders would keep letting go for 30 s)."""
    marker = _wanted_marker()
    try:
        if marker and marker.read_text().strip() == f"dbt:{os.getpid()}":
            marker.unlink()
    except OSError:
        pass


def run_dbt(args: list[str], work_name: str, attempts: int | None = None, delay_s: float | None = None) -> str:
    """Run `dbt <args>`; retry on the DuckDB file lock; raise on failure. Returns dbt's output."""
    attempts = attempts or int(os.environ.get("BANKING_DBT_LOCK_ATTEMPTS", "6"))
    delay_s = delay_s if delay_s is not None else float(os.environ.get("BANKING_DBT_LOCK_DELAY_S", "5"))
    cmd = [dbt_bin(), *args]
    extra_vars = os.environ.get("BANKING_DBT_VARS")
    if extra_vars:
        cmd += ["--vars", extra_vars]
    env = dbt_env(work_name)
    for attempt in range(1, attempts + 1):
        log.info("running %s (attempt %d/%d)", " ".join(cmd), attempt, attempts)
        proc = subprocess.run(cmd, cwd=env["DBT_PROJECT_DIR"], env=env, capture_output=True, text=True)
        output = proc.stdout + proc.stderr
        # dbt's own log lines go to the task log as they are, so failures read as in a terminal.
        for line in output.splitlines():
            log.info("dbt | %s", line)
        if proc.returncode == 0:
            withdraw_warehouse_wanted()
            return output
        if LOCK_ERROR.search(output):
            mark_warehouse_wanted()
            if attempt < attempts:
                wait = delay_s * 2 ** (attempt - 1)
                log.warning("warehouse file is locked by another process; retrying in %.0f s", wait)
                time.sleep(wait)
                continue
            withdraw_warehouse_wanted()  # giving up: loaders need not keep letting go
            raise WarehouseBusy(f"warehouse still locked after {attempts} attempts: dbt {' '.join(args)}")
        withdraw_warehouse_wanted()
        raise DbtFailed(f"dbt {' '.join(args)} failed with exit code {proc.returncode} (see the dbt lines above)")
    raise AssertionError("unreachable")
