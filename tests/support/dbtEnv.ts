import { join } from 'node:path';

/** The environment a test's `dbt` runs in: its own warehouse file, and target/logs under its own directory. */
export function dbtEnv(root: string, warehouse: string, dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WAREHOUSE_PATH: warehouse,
    BANKING_REPO_ROOT: root,
    DBT_PROFILES_DIR: join(root, 'dbt'),
    DBT_TARGET_PATH: join(dir, 'target'),
    DBT_LOG_PATH: join(dir, 'logs'),
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
  };
}
