import { Worker } from 'node:worker_threads';
import type { SchemaSet } from '../xml/schema-set.js';
import { validateBatch, type BatchIssue, type FragmentBatch } from './fragment-batch.js';

export interface FragmentValidator {
  validate(batch: FragmentBatch): Promise<BatchIssue[]>;
  close(): Promise<void>;
}

/** On the calling thread: for tests and when worker threads are switched off. */
export function inlineValidator(schemas: SchemaSet): FragmentValidator {
  return { validate: async (batch) => validateBatch(schemas, batch), close: async () => {} };
}

/**
 * One worker thread, started on first use and shared by every streamed message. Under tsx the
 * worker runs its TypeScript source (the loader is inherited through execArgv), built it runs the .js.
 */
export function workerValidator(folders: readonly string[]): FragmentValidator {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (i: BatchIssue[]) => void; reject: (e: Error) => void }>();
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const w = new Worker(new URL(`./fragment-validator.worker${ext}`, import.meta.url), { workerData: { folders: [...folders] } });
    w.on('message', (m: { id: number; issues?: BatchIssue[]; error?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`fragment validation failed: ${m.error}`));
      else p?.resolve(m.issues ?? []);
      if (pending.size === 0) w.unref();
    });
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`validation worker exited with code ${code}`)));
    return w;
  };
  return {
    validate: (batch) => new Promise((resolve, reject) => {
      worker ??= start();
      worker.ref();
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, batch });
    }),
    close: async () => {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
