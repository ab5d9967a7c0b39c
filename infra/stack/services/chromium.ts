/**
 * Headless Chromium for the browser test of the pipeline page, from Debian's packages (Playwright's
 * own browser downloads cannot be fetched here): installed with apt-get when run as root, as
 * Postgres is (postgres.ts); otherwise the error says what to install.
 */
import { existsSync } from 'node:fs';
import { run } from '../proc';

export const CHROMIUM = '/usr/bin/chromium';

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

/** Path of the chromium binary, installing chromium and chromium-driver first if missing. */
export function ensureChromium(log: (m: string) => void = () => undefined): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(`chromium: ${CHROMIUM} is missing. Install it with: sudo apt-get install -y chromium chromium-driver`);
  }
  log('installing chromium from Debian packages...');
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'chromium-driver'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(CHROMIUM)) throw new Error(`chromium: installed, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}
