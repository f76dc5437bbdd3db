/**
 * Caps remote disconnects per peer and across the system within a time window, so a
 * compromised or buggy MDM cannot switch off a city. `admit` both checks and counts, atomically
 * (several gateway instances share one set of caps in the cluster profile).
 */
export type Admission = { ok: true } | { ok: false; scope: 'peer' | 'system'; reason: string };

export interface DisconnectGuard {
  admit(peer: string, deviceCount: number, now: Date): Promise<Admission>;
}
