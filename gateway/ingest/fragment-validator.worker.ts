import { parentPort, workerData } from 'node:worker_threads';
import { SchemaSet } from '../xml/schema-set.js';
import { validateBatch, type FragmentBatch } from './fragment-batch.js';

// The worker compiles its own schema set (wasm memory is per thread) and validates batches
// while the request thread parses and stores the next ones: both cores work on one message.
const schemas = new SchemaSet((workerData as { folders: string[] }).folders);
parentPort!.on('message', (m: { id: number; batch: FragmentBatch }) => {
  try {
    parentPort!.postMessage({ id: m.id, issues: validateBatch(schemas, m.batch) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
