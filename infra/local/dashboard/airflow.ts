/** Airflow 3's REST API: the last banking_dbt run (a JWT from /auth/token with the admin login). */
import type { Settings } from '../stack/settings';

export async function lastDbtRun(
  cfg: Pick<Settings, 'AIRFLOW_PORT' | 'AIRFLOW_ADMIN_USER' | 'AIRFLOW_ADMIN_PASSWORD'>,
): Promise<string | undefined> {
  const base = `http://127.0.0.1:${cfg.AIRFLOW_PORT}`;
  const tok = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: cfg.AIRFLOW_ADMIN_USER, password: cfg.AIRFLOW_ADMIN_PASSWORD }),
    signal: AbortSignal.timeout(2000),
  });
  if (!tok.ok) return undefined;
  const { access_token } = (await tok.json()) as { access_token?: string };
  const res = await fetch(`${base}/api/v2/dags/banking_dbt/dagRuns?order_by=-start_date&limit=1`, {
    headers: { authorization: `Bearer ${access_token}` },
    signal: AbortSignal.timeout(2000),
  });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { dag_runs?: { state?: string; start_date?: string }[] };
  const run = body.dag_runs?.[0];
  return run
    ? `banking_dbt ${run.state}${run.start_date ? ` (${run.start_date.slice(11, 19)}Z)` : ''}`
    : 'banking_dbt: no runs yet';
}
