/**
 * The pipeline page answers only for its own host names: a page elsewhere that rebinds its DNS
 * name to 127.0.0.1 sends its own name in Host, and gets nothing.
 */
import { request } from 'node:http';
import { startDashboardServer, type DashboardServer } from '../../../infra/local/dashboard/server';
import type { Status } from '../../../infra/local/dashboard/types';

let page: DashboardServer;
let port: number;
beforeAll(async () => {
  page = await startDashboardServer(0, () => ({ ok: true }) as unknown as Status);
  port = Number(new URL(page.url).port);
});
afterAll(() => page.close());

function get(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

test.each(['127.0.0.1:PORT', 'localhost:PORT', 'LOCALHOST:PORT', '[::1]:PORT'])('answers %s', async (host) => {
  const r = await get('/api/status', host.replace('PORT', String(port)));
  expect(r).toEqual({ status: 200, body: '{"ok":true}' });
});

test.each(['attacker.example:PORT', 'attacker.example', '127.0.0.1', '127.0.0.1:1', '127.0.0.1.attacker.example:PORT'])(
  'refuses Host %j',
  async (host) => {
    for (const path of ['/api/status', '/']) {
      const r = await get(path, host.replace('PORT', String(port)));
      expect(r.status).toBe(421);
      expect(r.body).not.toContain('ok');
    }
  },
);
