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
 * One worker thread, started on first use and shared by every streamed message. From source the
 * worker runs its TypeScript with the tsx loader; built, it runs the .js.
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
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(`./fragment-validator.worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
    // From source, the thread registers the tsx loader itself: loaders given on the command line
    // (node --import tsx) do not reach worker threads on Node 20.
    const boot = fromSource
      ? new URL(`data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(entry.href)});`)}`)
      : entry;
    const w = new Worker(boot, { workerData: { folders: [...folders] } });
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
