import { parentPort, workerData } from 'node:worker_threads';
import { SchemaSet } from '../xml/schema-set.js';
import { validateBatch } from './fragment-batch.js';

interface Request { id: number; bytes: ArrayBuffer; offset: number; length: number; starts: number[]; parseOnly: boolean }

// The worker compiles its own schema set (wasm memory is per thread) and validates batches
// while the request thread cuts and stores the next ones: both cores work on one message. The
// batch's buffer was transferred here and is transferred back for reuse.
const schemas = new SchemaSet((workerData as { folders: string[] }).folders);
parentPort!.postMessage({ id: -1, ready: true });
parentPort!.on('message', (m: Request) => {
  try {
    const issues = validateBatch(schemas, { bytes: new Uint8Array(m.bytes, m.offset, m.length), starts: m.starts, parseOnly: m.parseOnly });
    parentPort!.postMessage({ id: m.id, issues, bytes: m.bytes }, [m.bytes]);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message, bytes: m.bytes }, [m.bytes]);
  }
});
