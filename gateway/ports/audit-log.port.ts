/** Security-relevant events, append-only (nothing updates or deletes them). */
export type AuditKind =
  | 'auth.failed'
  | 'source.mismatch'
  | 'access.refused'
  | 'disconnect.admitted'
  | 'disconnect.refused'
  | 'admin.refused'
  | 'admin.read'
  /** An operator changed something through /admin (e.g. replayed or discarded dead-lettered command messages). */
  | 'admin.action'
  /** A stakeholder read through I8 / I7 (who, which resource, which filters, how many rows). */
  | 'data.read';

export interface AuditEntry {
  at: Date;
  kind: AuditKind;
  /** The authenticated identity, or what a failed credential claimed. */
  peer?: string;
  interface?: string;
  remoteAddress?: string;
  verb?: string;
  noun?: string;
  source?: string;
  messageId?: string;
  /** The 61968-100 code or HTTP status answered. */
  code?: string;
  /** Devices concerned (disconnect commands). */
  devices?: number;
  /** Why; never a secret (no password, token, nonce or digest). */
  detail?: string;
  /** data.read: the resource read (e.g. `i8/readings`), its filters as JSON, the rows answered. */
  resource?: string;
  filters?: string;
  rows?: number;
}

export interface AuditFilter {
  since?: Date;
  until?: Date;
  kind?: AuditKind;
  peer?: string;
  /** Entries with an id greater than this (paging). */
  afterId?: number;
  limit?: number;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  query(filter: AuditFilter): Promise<(AuditEntry & { id: number })[]>;
}

/** At most this many entries per query, whatever the filter asks. */
export const AUDIT_MAX_PAGE = 1000;

/** The page a query answers: 100 by default, capped; a limit that is not a positive integer is refused, never read as "all". */
export function auditPageSize(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`audit query limit must be a positive integer, got ${limit}`);
  return Math.min(limit, AUDIT_MAX_PAGE);
}

/** Checked by every implementation before it stores: an entry without a valid time could never be found by time again. */
export function checkAuditEntry(e: AuditEntry): void {
  if (!(e.at instanceof Date) || !Number.isFinite(e.at.getTime())) throw new RangeError(`audit entry ${e.kind}: 'at' is not a valid time`);
}
