import { Worker } from 'node:worker_threads';
import type { SchemaSet } from '../xml/schema-set.js';
import { validateBatch, type BatchIssue, type FragmentBatch } from './fragment-batch.js';

export interface FragmentValidator {
  /** Takes over `batch.bytes` (a buffer from `buffer()`): it returns to the pool once validated. */
  validate(batch: FragmentBatch): Promise<BatchIssue[]>;
  /** A batch buffer of at least `min` bytes. */
  buffer(min: number): Buffer;
  /** A buffer given back unused. */
  release(buffer: Buffer): void;
  close(): Promise<void>;
}

/**
 * Batch buffers are reused: a 100 MB message is ~200 batches, and each buffer crosses to the
 * worker and back without a copy (transferred), so memory stays a few buffers whatever the size.
 */
class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  take(min: number): Buffer {
    const i = this.free.findIndex((b) => b.byteLength >= min);
    const ab = i >= 0 ? this.free.splice(i, 1)[0]! : new ArrayBuffer(Math.max(min, 1 << 20));
    return Buffer.from(ab);
  }

  give(ab: ArrayBuffer): void {
    if (ab.byteLength > 0 && this.free.length < 8) this.free.push(ab);
  }
}

/** On the calling thread: for tests and when worker threads are switched off. */
export function inlineValidator(schemas: SchemaSet): FragmentValidator {
  const pool = new BufferPool();
  return {
    validate: async (batch) => {
      try {
        return validateBatch(schemas, batch);
      } finally {
        pool.give(batch.bytes.buffer as ArrayBuffer);
      }
    },
    buffer: (min) => pool.take(min),
    release: (b) => pool.give(b.buffer as ArrayBuffer),
    close: async () => {},
  };
}

interface Reply { id: number; issues?: BatchIssue[]; error?: string; bytes?: ArrayBuffer }

/**
 * One worker thread, started on first use and shared by every streamed message. From source the
 * worker runs its TypeScript with the tsx loader; built, it runs the .js.
 *
 * With `inline` (the calling thread's compiled schema set), a batch that finds `queue` batches
 * already waiting for the worker is validated on the calling thread instead: when the worker is
 * the slower of the two, the request thread would otherwise sit idle waiting for it.
 */
export function workerValidator(folders: readonly string[], inline?: { schemas: SchemaSet; queue: number }): FragmentValidator {
  let worker: Worker | undefined;
  let nextId = 0;
  const pool = new BufferPool();
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
    w.on('message', (m: Reply) => {
      if (m.bytes) pool.give(m.bytes);
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
  const toWorker = (batch: FragmentBatch) => new Promise<BatchIssue[]>((resolve, reject) => {
    worker ??= start();
    worker.ref();
    const id = nextId++;
    pending.set(id, { resolve, reject });
    const ab = batch.bytes.buffer as ArrayBuffer;
    worker.postMessage({ id, bytes: ab, offset: batch.bytes.byteOffset, length: batch.bytes.byteLength, starts: batch.starts, parseOnly: batch.parseOnly ?? false }, [ab]);
  });
  return {
    validate: (batch) => {
      if (inline && pending.size >= inline.queue) {
        try {
          return Promise.resolve(validateBatch(inline.schemas, batch));
        } catch (err) {
          return Promise.reject(err as Error);
        } finally {
          pool.give(batch.bytes.buffer as ArrayBuffer);
        }
      }
      return toWorker(batch);
    },
    buffer: (min) => pool.take(min),
    release: (b) => pool.give(b.buffer as ArrayBuffer),
    close: async () => {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
