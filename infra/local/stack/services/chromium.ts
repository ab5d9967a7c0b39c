/**
 * Headless Chromium for the browser test of the pipeline page, from Debian's packages (Playwright's
 * own browser downloads cannot be fetched here): `chromium` on PATH, installed with apt-get when run
 * as root, as Postgres is (postgres.ts); otherwise the error says what to install.
 */
import { runAsync } from '../proc';
import { withHeartbeat } from '../heartbeat';
import { canAptInstall, MissingToolError, PREREQUISITES, which } from '../prerequisites';

/** Flags for a quiet, offline, throwaway headless session (no GPU, no sandbox as root, no phoning home). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const missing = (problem: string) =>
  new MissingToolError('chromium', `${problem} (${PREREQUISITES.chromium.why})`, PREREQUISITES.chromium.install());

/** Path of the chromium binary, installing chromium and chromium-driver first if missing. */
export async function ensureChromium(log: (m: string) => void = () => undefined): Promise<string> {
  const found = which('chromium');
  if (found) return found;
  if (!canAptInstall()) throw missing('chromium not found on PATH');
  const detail = 'chromium from Debian packages with apt-get (first run only)';
  await withHeartbeat({ name: 'chromium', doing: 'installing', detail, done: 'installed', log }, async () => {
    await runAsync('apt-get', ['update', '-qq']);
    await runAsync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'chromium-driver'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  });
  const installed = which('chromium');
  if (!installed) throw missing('installed with apt-get, but still not found on PATH');
  return installed;
}
