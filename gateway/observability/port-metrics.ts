import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CommandQueue } from '../ports/command-queue.port.js';
import type { ReadingStore } from '../ports/reading-store.port.js';

/**
 * Metrics taken where the work is recorded: decorators around the storage ports, so every
 * path that stores readings or finishes commands is counted, whichever profile stores them.
 */
export function meteredCommandQueue(queue: CommandQueue, registry: Registry): CommandQueue {
  new Gauge({ name: 'cim_commands', help: 'HES commands in the queue, by state', labelNames: ['state'], registers: [registry],
    async collect() {
      this.reset();
      for (const [state, n] of Object.entries(await queue.counts())) this.set({ state }, n);
    } });
  const latency = new Histogram({
    name: 'cim_command_dispatch_seconds', help: 'from accepted (or its window opening) to the final outcome, by command kind and outcome',
    labelNames: ['kind', 'state'], buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800, 7200], registers: [registry],
  });
  const retries = new Counter({ name: 'cim_command_retries_total', help: 'transient HES failures retried, by command kind', labelNames: ['kind'], registers: [registry] });
  // Object.create: every other method (and the adapter's own fields) is the wrapped queue's.
  return Object.assign(Object.create(queue) as CommandQueue, {
    finish: async (...args: Parameters<CommandQueue['finish']>) => {
      const done = await queue.finish(...args);
      const from = Math.max(done.createdAt.getTime(), done.notBefore?.getTime() ?? 0);
      latency.observe({ kind: done.kind, state: done.state }, Math.max(0, args[2].getTime() - from) / 1000);
      return done;
    },
    retry: async (...args: Parameters<CommandQueue['retry']>) => {
      const c = await queue.retry(...args);
      retries.inc({ kind: c.kind });
      return c;
    },
  });
}

export function meteredReadingStore(store: ReadingStore, registry: Registry): ReadingStore {
  const stored = new Counter({
    name: 'cim_readings_stored_total', help: 'readings committed by ingest: new, corrected, or repeats left unchanged (rate() gives rows/s)',
    labelNames: ['change'], registers: [registry],
  });
  return Object.assign(Object.create(store) as ReadingStore, {
    commitIngest: async (ingestId: string) => {
      const stats = await store.commitIngest(ingestId);
      stored.inc({ change: 'inserted' }, stats.inserted);
      stored.inc({ change: 'corrected' }, stats.corrected);
      stored.inc({ change: 'unchanged' }, stats.unchanged);
      return stats;
    },
  });
}
