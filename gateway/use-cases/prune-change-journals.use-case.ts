import type { ClientRegistry } from '../ports/client-registry.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { ExportResource, ExportWatermarks } from '../ports/export-watermark.port.js';
import type { InterruptionStore } from '../ports/interruption-store.port.js';
import type { ReadingStore } from '../ports/reading-store.port.js';

const DAY_MS = 86_400_000;
/** Entries deleted per transaction; the loop yields between them so requests are not held up. */
const BATCH = 5_000;

export interface PruneJournalsDeps {
  readings: Pick<ReadingStore, 'pruneChanges'>;
  interruptions: Pick<InterruptionStore, 'pruneChanges'>;
  watermarks: ExportWatermarks;
  clients: ClientRegistry;
  clock: Clock;
  /** Days a journal entry is kept at least; 0 keeps them for ever. */
  retentionDays: number;
}

/**
 * Retention of the I7 change journals (readings, interruptions): an entry goes once it is older
 * than the retention *and* below the watermark of every export client still in use (enabled and
 * holding export:read), so no warehouse that is still following a feed ever finds a gap. A client
 * that has never exported holds nothing back; asking from before what is left is answered 410 with
 * the horizon (see i7.routes). Events need no journal: the event table is the feed.
 */
export function pruneChangeJournals(deps: PruneJournalsDeps) {
  return async (): Promise<number> => {
    if (deps.retentionDays <= 0) return 0;
    const olderThan = new Date(deps.clock.now().getTime() - deps.retentionDays * DAY_MS);
    const inUse = new Set((await deps.clients.list()).filter((c) => !c.disabled && c.scopes.includes('export:read')).map((c) => c.id));
    const marks = (await deps.watermarks.list()).filter((w) => inUse.has(w.clientId));
    const below = (resource: ExportResource) => Math.min(Number.MAX_SAFE_INTEGER, ...marks.filter((w) => w.resource === resource).map((w) => w.seq));
    let deleted = 0;
    for (const [journal, resource] of [[deps.readings, 'readings'], [deps.interruptions, 'interruptions']] as const) {
      for (let n; (n = await journal.pruneChanges(below(resource), olderThan, BATCH)) > 0;) {
        deleted += n;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return deleted;
  };
}
