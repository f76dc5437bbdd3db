/** A customer's permission for one client to read one usage point's data, from start to an optional end. */
export interface Consent {
  id: string;
  clientId: string;
  usagePoint: string;
  start: Date;
  end?: Date;
  /** The customer's signed consent (document id), for the audit trail. */
  reference?: string;
  grantedAt: Date;
  revokedAt?: Date;
}

export interface ConsentFilter {
  clientId?: string;
  usagePoint?: string;
}

/** Consents of third-party clients. Revocation is a timestamp, never a delete: the history stays. */
export interface ConsentStore {
  grant(c: Omit<Consent, 'revokedAt'>): Promise<Consent>;
  /** Sets revokedAt (a second revocation keeps the first time); undefined when unknown. */
  revoke(id: string, at: Date): Promise<Consent | undefined>;
  get(id: string): Promise<Consent | undefined>;
  list(f: ConsentFilter): Promise<Consent[]>;
  /**
   * The client's consents in force at `at` (started, not ended, not revoked), by usage point then
   * start. Each grants the data of its usage point stamped within [start, end].
   */
  inForce(clientId: string, at: Date): Promise<Consent[]>;
}
