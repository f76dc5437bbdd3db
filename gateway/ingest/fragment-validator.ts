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
  /** Starts what validation needs (threads, their compiled schemas) ahead of the first message; resolves once ready. */
  warm(): Promise<void>;
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
    warm: async () => {},
    close: async () => {},
  };
}

interface Reply { id: number; issues?: BatchIssue[]; error?: string; bytes?: ArrayBuffer; ready?: true }

export interface WorkerValidatorOptions {
  /** Validation threads (each compiles its own schema set: wasm memory is per thread). */
  workers: number;
  /** The calling thread's compiled schema set, and the queue length at which it validates a batch itself. */
  inline?: { schemas: SchemaSet; queue: number };
}

/** One thread, its batches waiting. */
interface Lane { worker: Worker | undefined; ready?: Promise<void>; pending: Map<number, { resolve: (i: BatchIssue[]) => void; reject: (e: Error) => void }> }

/**
 * Validation threads shared by every streamed message, started by `warm()` (when the gateway
 * starts listening: compiling the schemas and the wasm in a new thread takes ~0.5 s, which the
 * first large message would otherwise wait for) or on first use. From source a thread runs its
 * TypeScript with the tsx loader; built, it runs the .js. A batch goes to the thread with the
 * fewest waiting.
 *
 * With `inline`, a batch that finds every thread with `queue` batches already waiting is
 * validated on the calling thread instead: when the threads are the slower side, the request
 * thread would otherwise sit idle waiting for them.
 */
export function workerValidator(folders: readonly string[], options: WorkerValidatorOptions): FragmentValidator {
  let nextId = 0;
  const pool = new BufferPool();
  const lanes: Lane[] = Array.from({ length: Math.max(1, options.workers) }, () => ({ worker: undefined, pending: new Map() }));
  const failAll = (lane: Lane, err: Error) => {
    for (const p of lane.pending.values()) p.reject(err);
    lane.pending.clear();
    lane.worker = undefined;
  };
  const start = (lane: Lane): Worker => {
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(`./fragment-validator.worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
    // From source, the thread registers the tsx loader itself: loaders given on the command line
    // (node --import tsx) do not reach worker threads on Node 20.
    const boot = fromSource
      ? new URL(`data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(entry.href)});`)}`)
      : entry;
    const w = new Worker(boot, { workerData: { folders: [...folders] } });
    // Ready once its schemas are compiled; a thread that fails to start settles it too (its batches then fail).
    lane.ready = new Promise<void>((resolve) => {
      w.on('message', (m: Reply) => {
        if (!m.ready) return;
        // Referenced while it starts (a process waiting for it has nothing else keeping it alive), not once idle.
        if (lane.pending.size === 0) w.unref();
        resolve();
      });
      w.once('error', () => resolve());
      w.once('exit', () => resolve());
    });
    w.on('message', (m: Reply) => {
      if (m.ready) return;
      if (m.bytes) pool.give(m.bytes);
      const p = lane.pending.get(m.id);
      lane.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`fragment validation failed: ${m.error}`));
      else p?.resolve(m.issues ?? []);
      if (lane.pending.size === 0) w.unref();
    });
    w.on('error', (err) => { if (lane.worker === w) failAll(lane, err); });
    w.on('exit', (code) => { if (lane.worker === w) failAll(lane, new Error(`validation worker exited with code ${code}`)); });
    return w;
  };
  const toWorker = (lane: Lane, batch: FragmentBatch) => new Promise<BatchIssue[]>((resolve, reject) => {
    const worker = lane.worker ??= start(lane);
    worker.ref();
    const id = nextId++;
    lane.pending.set(id, { resolve, reject });
    const ab = batch.bytes.buffer as ArrayBuffer;
    worker.postMessage({ id, bytes: ab, offset: batch.bytes.byteOffset, length: batch.bytes.byteLength, starts: batch.starts, parseOnly: batch.parseOnly ?? false }, [ab]);
  });
  const inline = options.inline;
  return {
    validate: (batch) => {
      let lane = lanes[0]!;
      for (const l of lanes) if (l.pending.size < lane.pending.size) lane = l;
      if (inline && lane.pending.size >= inline.queue) {
        try {
          return Promise.resolve(validateBatch(inline.schemas, batch));
        } catch (err) {
          return Promise.reject(err as Error);
        } finally {
          pool.give(batch.bytes.buffer as ArrayBuffer);
        }
      }
      return toWorker(lane, batch);
    },
    buffer: (min) => pool.take(min),
    release: (b) => pool.give(b.buffer as ArrayBuffer),
    warm: async () => {
      for (const lane of lanes) lane.worker ??= start(lane);
      await Promise.all(lanes.map((lane) => lane.ready));
    },
    close: async () => {
      await Promise.all(lanes.map(async (lane) => {
        const w = lane.worker;
        lane.worker = undefined;
        if (w) await w.terminate();
      }));
    },
  };
}
