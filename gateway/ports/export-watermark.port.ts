/** An I7 resource whose changes a warehouse follows. */
export type ExportResource = 'readings' | 'events' | 'interruptions';

/** Where an export client stands in one change feed: it has stored everything up to `seq`. */
export interface ExportWatermark {
  clientId: string;
  resource: ExportResource;
  /** The journal seq of its last `since` (0: it asked from the beginning). */
  seq: number;
  at: Date;
}

/**
 * The positions I7 clients confirmed (the `since` of their latest request): the journals' retention
 * keeps every change a client still in use may ask for.
 */
export interface ExportWatermarks {
  /** Records the client's latest position in the resource (replacing the one before, forward or back). */
  confirm(clientId: string, resource: ExportResource, seq: number, at: Date): Promise<void>;
  list(): Promise<ExportWatermark[]>;
}
