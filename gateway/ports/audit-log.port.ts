/** Security-relevant events, append-only (nothing updates or deletes them). */
export type AuditKind =
  | 'auth.failed'
  | 'source.mismatch'
  | 'access.refused'
  | 'disconnect.admitted'
  | 'disconnect.refused'
  | 'admin.refused'
  | 'admin.read'
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
