import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createGateway, type Gateway, type GatewayOptions } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config/config.js';
import type { Db } from '../../gateway/adapters/sqlite/sqlite-database.js';

export interface TestGateway extends Gateway {
  dataDir: string;
  /** Test gateways run the embedded profile: tables can be looked at directly. */
  db: Db;
  close(): Promise<void>;
}

/** A gateway on a fresh data folder, silent, with config overrides; close() removes the folder. */
export function testGateway(overrides: Record<string, unknown> = {}, options: GatewayOptions = {}): TestGateway {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-'));
  const config = loadConfig({}, { dataDir, logLevel: 'silent', ...overrides });
  const gateway = createGateway(config, { log: pino({ level: 'silent' }), ...options });
  if (!gateway.db) throw new Error('testGateway runs the embedded profile');
  return Object.assign(gateway, {
    dataDir, db: gateway.db,
    close: async () => {
      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export interface Received {
  body: string;
  headers: IncomingMessage['headers'];
  url: string;
}

/** A real HTTP peer (MDM reply endpoint, subscriber) that records what it is sent. */
export async function receiver(status: () => number = () => 200): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ body, headers: req.headers, url: req.url ?? '' });
      res.writeHead(status(), { 'content-type': 'text/xml' }).end('<ok/>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/replies`, received, close: () => new Promise((r) => server.close(() => r())) };
}
