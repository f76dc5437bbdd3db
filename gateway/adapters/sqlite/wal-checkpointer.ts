import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logging/logger.js';
import type { Db } from './sqlite-database.js';

/** Pages in the log after which the request thread checkpoints itself (only when the worker falls behind). */
export const BACKSTOP_PAGES = 4000;

// Plain JavaScript so the thread starts the same from source (tsx) and built: it only needs the driver.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try { checkpoint.get(); } catch { /* busy or locked: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { checkpoint.get(); } catch {}
  db.close();
  parentPort.postMessage('closed');
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the request thread. SQLite checkpoints from the connection that
 * commits, every 1,000 log pages by default: it copies the pages into the database file and
 * fsyncs both files while the event loop waits (the largest single wait on the command accept
 * path, ~0.1 ms a request on average). A second connection in a worker thread checkpoints
 * PASSIVE (never blocking the writer) every `intervalMs`; the request thread keeps a checkpoint
 * of its own only as a backstop, at BACKSTOP_PAGES, should the worker fall behind or stop.
 * Durability is unchanged: a transaction is durable once in the log, checkpointed or not.
 */
export function startWalCheckpointer(db: Db, file: string, log: Logger, intervalMs = 50): WalCheckpointer {
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, file, intervalMs } });
  worker.unref();
  let running = true;
  worker.on('error', (err) => log.warn({ err }, 'WAL checkpointer stopped; the request thread checkpoints itself'));
  worker.on('exit', () => { running = false; });
  return {
    stop: async () => {
      if (!running) return;
      const closed = new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage('stop');
      await closed;
      await worker.terminate();
    },
  };
}
