import pg from 'pg';
import type { Leadership } from '../../ports/leadership.port.js';

/**
 * Leadership as a session-level advisory lock held on a connection of its own: when the
 * leader's process dies (kill -9 included) PostgreSQL ends its session and frees the lock,
 * and the next instance that asks becomes leader.
 */
export class PgLeadership implements Leadership {
  private client: pg.Client | undefined;
  private leading = false;

  constructor(private readonly connect: () => pg.Client, private readonly name: string) {}

  async isLeader(): Promise<boolean> {
    try {
      if (!this.client) {
        const client = this.connect();
        // A lost connection means a lost lock: stop leading until the lock is taken again.
        client.on('error', () => this.drop(client));
        client.on('end', () => this.drop(client));
        await client.connect();
        this.client = client;
      }
      if (!this.leading) {
        const res = await this.client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext(current_schema() || ':' || $1::text)) AS ok`, [this.name]);
        this.leading = res.rows[0]!.ok;
      }
      return this.leading;
    } catch {
      if (this.client) this.drop(this.client);
      return false;
    }
  }

  async release(): Promise<void> {
    const client = this.client;
    this.drop(client);
    await client?.end().catch(() => undefined);
  }

  private drop(client: pg.Client | undefined): void {
    if (client && client === this.client) {
      this.client = undefined;
      this.leading = false;
    }
  }
}
