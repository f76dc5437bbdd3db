/**
 * What an I8 client may read: everything, consented usage points (each within its consent's
 * period), or its own supply point — within `start`..`end` (ISO 8601 with offset, both included)
 * when given: a customer who moved in on D sees the supply's data from D, not the previous
 * occupant's.
 */
export type DataScope =
  | { kind: 'regulator' }
  | { kind: 'third-party' }
  | { kind: 'customer'; usagePoint: string; start?: string; end?: string };

export const I8_SCOPES = ['readings:read', 'events:read', 'interruptions:read', 'reports:read', 'export:read'] as const;
export type I8Scope = (typeof I8_SCOPES)[number];

export interface I8Client {
  id: string;
  name?: string;
  /** scrypt hash of the client secret (`scrypt$N$r$p$salt$hash`, base64url); never the secret. */
  secretHash: string;
  scopes: I8Scope[];
  dataScope: DataScope;
  createdAt: Date;
  disabled: boolean;
}

/** Registered OAuth clients of I8 (client-credentials). */
export interface ClientRegistry {
  /** Inserts or replaces the client with this id. */
  put(client: I8Client): Promise<void>;
  get(id: string): Promise<I8Client | undefined>;
  list(): Promise<I8Client[]>;
  /** A disabled client gets no tokens and its tokens stop working on the next request. */
  setDisabled(id: string, disabled: boolean): Promise<boolean>;
}
