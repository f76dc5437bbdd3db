import type { Admission, DisconnectGuard } from '../../ports/disconnect-guard.port.js';
import { peerRefusal, systemRefusal, type WindowCap } from '../../security/disconnect-guard.js';
import { migratePg, transaction, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'cluster-002-disconnect-admissions',
  sql: `
    CREATE TABLE disconnect_admissions (id BIGSERIAL PRIMARY KEY, peer TEXT NOT NULL, devices INTEGER NOT NULL, at TIMESTAMPTZ NOT NULL);
    CREATE INDEX disconnect_admissions_at ON disconnect_admissions (at);
  `,
}];

/**
 * The caps shared by every instance: check and count in one transaction under an advisory lock,
 * so two instances admitting at once cannot both take the last places of a window.
 */
export class PgDisconnectGuard implements DisconnectGuard {
  private constructor(private readonly pool: Pool, private readonly caps: { perPeer?: WindowCap; system?: WindowCap }) {}

  static async create(pool: Pool, caps: { perPeer?: WindowCap; system?: WindowCap }): Promise<PgDisconnectGuard> {
    await migratePg(pool, MIGRATIONS);
    return new PgDisconnectGuard(pool, caps);
  }

  admit(peer: string, deviceCount: number, now: Date): Promise<Admission> {
    return transaction(this.pool, async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':disconnect-guard'))`);
      const used = async (cap: WindowCap, forPeer?: string) => {
        const from = new Date(now.getTime() - cap.windowSeconds * 1000);
        const res = await c.query<{ n: string }>(`SELECT COALESCE(sum(devices), 0) AS n FROM disconnect_admissions
          WHERE at > $1 AND at <= $2 ${forPeer !== undefined ? 'AND peer = $3' : ''}`, forPeer !== undefined ? [from, now, forPeer] : [from, now]);
        return Number(res.rows[0]!.n);
      };
      const { perPeer, system } = this.caps;
      if (perPeer) {
        const n = await used(perPeer, peer);
        if (n + deviceCount > perPeer.max) return peerRefusal(peer, perPeer, n, deviceCount);
      }
      if (system) {
        const n = await used(system);
        if (n + deviceCount > system.max) return systemRefusal(system, n, deviceCount);
      }
      await c.query('INSERT INTO disconnect_admissions (peer, devices, at) VALUES ($1, $2, $3)', [peer, deviceCount, now]);
      // What left every window can go: the table stays as small as the caps.
      const horizon = Math.max(perPeer?.windowSeconds ?? 0, system?.windowSeconds ?? 0);
      await c.query('DELETE FROM disconnect_admissions WHERE at <= $1', [new Date(now.getTime() - horizon * 1000)]);
      return { ok: true } as const;
    });
  }
}
