import { randomUUID } from 'node:crypto';
import type { NewOutbound } from '../../ports/outbox.port.js';
import type { NewSubscription, Subscription, SubscriptionBacklog, SubscriptionStore } from '../../ports/subscription-store.port.js';
import { OUTBOUND_COLUMNS, OUTBOUND_VALUES, outboundParams } from './outbox.postgres.js';
import { migratePg, transaction, type Pool, type Queryable } from './pg-database.js';

const MIGRATIONS = [{
  name: 'subscriptions-001',
  sql: `
    CREATE TABLE subscriptions (
      id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, noun TEXT NOT NULL, protocol TEXT NOT NULL,
      event_types JSONB, device_group TEXT, origin TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL
    );
    -- The primary key is what makes a publication recorded once per (subscription, event), whoever records it.
    CREATE TABLE subscription_publications (
      subscription_id TEXT NOT NULL, event_id TEXT NOT NULL, outbox_id BIGINT NOT NULL,
      PRIMARY KEY (subscription_id, event_id)
    );
    CREATE INDEX subscription_publications_outbox ON subscription_publications (subscription_id, outbox_id);
  `,
}];

interface Row { id: string; endpoint: string; noun: string; protocol: 'SOAP' | 'REST'; event_types: string[] | null; device_group: string | null; origin: 'config' | 'api'; created_at: Date }

function toSubscription(r: Row): Subscription {
  return {
    id: r.id, endpoint: r.endpoint, noun: r.noun, protocol: r.protocol, origin: r.origin, createdAt: r.created_at,
    ...(r.event_types ? { eventTypes: r.event_types } : {}), ...(r.device_group ? { deviceGroup: r.device_group } : {}),
  };
}

/** Subscriptions on PostgreSQL; backlog reads the outbox table of the same database (PgOutbox). */
export class PgSubscriptionStore implements SubscriptionStore {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PgSubscriptionStore> {
    await migratePg(pool, MIGRATIONS);
    return new PgSubscriptionStore(pool);
  }

  private async upsert(db: Queryable, s: NewSubscription, origin: 'config' | 'api', now: Date): Promise<Subscription> {
    const res = await db.query<Row>(`INSERT INTO subscriptions (id, endpoint, noun, protocol, event_types, device_group, origin, created_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (id) DO UPDATE SET endpoint = excluded.endpoint, noun = excluded.noun, protocol = excluded.protocol,
        event_types = excluded.event_types, device_group = excluded.device_group, origin = excluded.origin
      RETURNING *`,
    [s.id ?? randomUUID(), s.endpoint, s.noun, s.protocol, s.eventTypes?.length ? JSON.stringify(s.eventTypes) : null, s.deviceGroup ?? null, origin, now]);
    return toSubscription(res.rows[0]!);
  }

  add(s: NewSubscription, origin: 'config' | 'api', now: Date): Promise<Subscription> {
    return this.upsert(this.pool, s, origin, now);
  }

  async replaceConfigured(items: NewSubscription[], now: Date): Promise<void> {
    await transaction(this.pool, async (c) => {
      // Every instance applies the configuration at start: one at a time, or their upserts and deletes interleave.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':subscriptions-configured'))`);
      const keep: string[] = [];
      for (const s of items) keep.push((await this.upsert(c, s, 'config', now)).id);
      await c.query(`DELETE FROM subscriptions WHERE origin = 'config' AND NOT (id = ANY($1::text[]))`, [keep]);
    });
  }

  async list(noun?: string): Promise<Subscription[]> {
    return (await this.pool.query<Row>(`SELECT * FROM subscriptions WHERE ($1::text IS NULL OR noun = $1) ORDER BY created_at, id COLLATE "C"`, [noun ?? null])).rows.map(toSubscription);
  }

  async get(id: string): Promise<Subscription | undefined> {
    const row = (await this.pool.query<Row>('SELECT * FROM subscriptions WHERE id = $1', [id])).rows[0];
    return row ? toSubscription(row) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM subscriptions WHERE id = $1', [id])).rowCount === 1;
  }

  async isPublished(subscriptionId: string, eventId: string): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM subscription_publications WHERE subscription_id = $1 AND event_id = $2', [subscriptionId, eventId])).rowCount === 1;
  }

  /**
   * One statement, hence one transaction: the claim on (subscription, event) and its message commit
   * together or not at all. A concurrent claim of the same pair waits on the primary key until the
   * first commits, then inserts nothing, so its outbox insert has no row to insert.
   */
  async queuePublication(subscriptionId: string, eventId: string, entry: NewOutbound, now: Date): Promise<number | undefined> {
    const res = await this.pool.query<{ id: string }>({ name: 'subscription-queue-publication', text: `WITH claim AS (
        INSERT INTO subscription_publications (subscription_id, event_id, outbox_id)
        VALUES ($11, $12, nextval(pg_get_serial_sequence('outbox', 'id')))
        ON CONFLICT (subscription_id, event_id) DO NOTHING RETURNING outbox_id)
      INSERT INTO outbox (id, ${OUTBOUND_COLUMNS}) SELECT claim.outbox_id, ${OUTBOUND_VALUES} FROM claim RETURNING id`,
    values: [...outboundParams(entry, now), subscriptionId, eventId] });
    const row = res.rows[0];
    return row ? Number(row.id) : undefined;
  }

  async backlog(subscriptionId: string): Promise<SubscriptionBacklog> {
    const r = (await this.pool.query<{ pending: string; delivered: string; dead: string; oldest: Date | null; last_delivered: Date | null; last_error: string | null }>(`
      SELECT COUNT(*) FILTER (WHERE o.state = 'pending') AS pending, COUNT(*) FILTER (WHERE o.state = 'delivered') AS delivered,
        COUNT(*) FILTER (WHERE o.state = 'dead') AS dead, MIN(o.created_at) FILTER (WHERE o.state = 'pending') AS oldest,
        MAX(o.delivered_at) AS last_delivered,
        (SELECT o2.last_error FROM subscription_publications p2 JOIN outbox o2 ON o2.id = p2.outbox_id
          WHERE p2.subscription_id = $1 AND o2.last_error IS NOT NULL AND o2.state <> 'delivered' ORDER BY o2.id DESC LIMIT 1) AS last_error
      FROM subscription_publications p JOIN outbox o ON o.id = p.outbox_id WHERE p.subscription_id = $1`, [subscriptionId])).rows[0]!;
    return {
      pending: Number(r.pending), delivered: Number(r.delivered), dead: Number(r.dead),
      ...(r.oldest ? { oldestPending: r.oldest } : {}), ...(r.last_error ? { lastError: r.last_error } : {}),
      ...(r.last_delivered ? { lastDeliveredAt: r.last_delivered } : {}),
    };
  }
}
