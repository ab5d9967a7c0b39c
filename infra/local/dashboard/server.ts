/**
 * The page's HTTP server (node:http, 127.0.0.1 only): the static page, uPlot served from
 * node_modules (so the page works with no internet), and the collector's figures at /api/status.
 * It answers only requests addressed to its own host names (the Host header): a web page on
 * another site that rebinds its name to 127.0.0.1 (DNS rebinding) cannot read the figures.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Status } from './types';

const STATIC = join(__dirname, 'static');
const UPLOT = dirname(require.resolve('uplot'));

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: join(STATIC, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(STATIC, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: join(STATIC, 'style.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': { file: join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { file: join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export interface DashboardServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** The names the page is reached by: the address it listens on, and the loopback names. */
export function ownHostNames(host: string): Set<string> {
  return new Set([host, '127.0.0.1', 'localhost', '[::1]'].map((h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h)));
}

/** The Host header names one of ours, on our port (a missing port means 80). */
export function isOwnHost(header: string | undefined, names: Set<string>, port: number): boolean {
  if (!header) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header.trim().toLowerCase());
  return !!m && names.has(m[1]!) && Number(m[2] ?? 80) === port;
}

export async function startDashboardServer(port: number, status: () => Status, host = '127.0.0.1'): Promise<DashboardServer> {
  // Read once: the files are small and do not change while it runs.
  const bodies = new Map(Object.entries(FILES).map(([path, f]) => [path, { body: readFileSync(f.file), type: f.type }]));
  const names = ownHostNames(host);
  let listening = port;
  const server = createServer((req, res) => {
    if (!isOwnHost(req.headers.host, names, listening)) {
      res
        .writeHead(421, { 'content-type': 'text/plain' })
        .end('misdirected request: this page answers only for its own host names');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/api/status') {
      let body: string;
      try {
        body = JSON.stringify(status());
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`status failed: ${(err as Error).message}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
      return;
    }
    const f = bodies.get(path);
    if (!f) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'cache-control': 'no-cache' }).end(req.method === 'HEAD' ? undefined : f.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is in use; set DASHBOARD_PORT in .env`) : err),
    );
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  listening = actual;
  return {
    server,
    url: `http://${host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The page polls with keep-alive: without this, close waits for its idle connection to time out.
        server.closeAllConnections();
      }),
  };
}
