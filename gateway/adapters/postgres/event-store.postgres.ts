import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../../domain/events/device-event.js';
import type { EventQuery, EventStore } from '../../ports/event-store.port.js';
import { migratePg, transaction, type Pool } from './pg-database.js';
import { anyOf, lockFeed, seqBound } from './seq-feed.postgres.js';

const MIGRATIONS = [{
  name: 'events-001-device-events',
  sql: `
    CREATE TABLE device_events (
      seq BIGSERIAL PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      device TEXT NOT NULL,
      event_type TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      mrid TEXT NOT NULL DEFAULT '',
      known BOOLEAN NOT NULL,
      source TEXT NOT NULL,
      received_at BIGINT NOT NULL,
      published BOOLEAN NOT NULL DEFAULT false,
      -- Which instance is publishing the event and until when (several instances share the table).
      lease_owner TEXT,
      lease_until TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
      body TEXT NOT NULL,
      UNIQUE (device, event_type, created_at, mrid)
    );
    CREATE INDEX device_events_device_time ON device_events (device, created_at);
    CREATE INDEX device_events_time ON device_events (created_at);
    CREATE INDEX device_events_unpublished ON device_events (seq) WHERE NOT published;
    CREATE INDEX device_events_unpublished_device ON device_events (device, seq) WHERE NOT published;
  `,
}];

/** Everything but the key columns travels as JSON: details and optional fields vary per sender. */
type Body = Omit<StoredEvent, 'id' | 'device' | 'eventType' | 'createdDateTime' | 'known' | 'source' | 'receivedAt'>;
interface Row { seq: string; id: string; device: string; event_type: string; created_at: string; known: boolean; source: string; received_at: string; body: string }

function toEvent(r: Row): StoredEvent {
  const body = JSON.parse(r.body) as Body;
  return { ...body, id: r.id, device: r.device, eventType: r.event_type, createdDateTime: Number(r.created_at), known: r.known, source: r.source, receivedAt: Number(r.received_at) };
}

export interface PgEventStoreOptions {
  /** How long events handed out by `unpublished` stay with this instance before another may take them over. */
  publishLeaseMs?: number;
}

/**
 * Device events on PostgreSQL. Idempotency is the table's unique keys (ON CONFLICT DO NOTHING):
 * two instances storing the same event concurrently store it once and only one reports it new.
 */
export class PgEventStore implements EventStore {
  /** This instance's name on the publication leases. */
  private readonly owner = randomUUID();

  private constructor(private readonly pool: Pool, private readonly leaseMs: number) {}

  static async create(pool: Pool, options: PgEventStoreOptions = {}): Promise<PgEventStore> {
    await migratePg(pool, MIGRATIONS);
    return new PgEventStore(pool, options.publishLeaseMs ?? 120_000);
  }

  async add(events: StoredEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const cols = { id: [] as string[], device: [] as string[], type: [] as string[], at: [] as number[], mrid: [] as string[], known: [] as boolean[], source: [] as string[], received: [] as number[], body: [] as string[] };
    for (const e of events) {
      const { id, device, eventType, createdDateTime, known, source, receivedAt, ...body } = e;
      cols.id.push(id); cols.device.push(device); cols.type.push(eventType); cols.at.push(createdDateTime); cols.mrid.push(e.mRID ?? '');
      cols.known.push(known); cols.source.push(source); cols.received.push(receivedAt); cols.body.push(JSON.stringify(body));
    }
    const inserted = await transaction(this.pool, async (c) => {
      // The feed lock also orders concurrent batches as wholes: no two batches wait on each other's keys (no deadlock).
      await lockFeed(c, 'device_events');
      return c.query<{ id: string }>(`INSERT INTO device_events (id, device, event_type, created_at, mrid, known, source, received_at, body)
        SELECT id, device, event_type, created_at, mrid, known, source, received_at, body
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::boolean[], $7::text[], $8::bigint[], $9::text[])
          WITH ORDINALITY AS t (id, device, event_type, created_at, mrid, known, source, received_at, body, n)
        ORDER BY n
        ON CONFLICT DO NOTHING RETURNING id`,
      [cols.id, cols.device, cols.type, cols.at, cols.mrid, cols.known, cols.source, cols.received, cols.body]);
    });
    const fresh = new Set(inserted.rows.map((r) => r.id));
    // delete() is true once per id: a key repeated in the batch counts once, as stored.
    return events.filter((e) => fresh.delete(e.id));
  }

  async query(q: EventQuery): Promise<StoredEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => { params.push(v); return `$${params.length}`; };
    if (q.devices?.length) where.push(`device = ANY(${param(q.devices)}::text[])`);
    if (q.eventTypes?.length) where.push(`event_type = ANY(${param(q.eventTypes)}::text[])`);
    if (q.from !== undefined) where.push(`created_at >= ${param(q.from)}`);
    if (q.to !== undefined) where.push(`created_at <= ${param(q.to)}`);
    if (q.periods?.size) {
      // Restricted devices, and one [device, start, end] row per period: a device listed without a period answers nothing.
      const rows = [...q.periods].flatMap(([device, list]) => list.map((p) => [device, p.start, p.end ?? 8.64e15] as const));
      where.push(`(device <> ALL(${param([...q.periods.keys()])}::text[]) OR EXISTS (SELECT 1 FROM unnest(${param(rows.map((r) => r[0]))}::text[],
        ${param(rows.map((r) => r[1]))}::bigint[], ${param(rows.map((r) => r[2]))}::bigint[]) AS p (device, start_at, end_at)
        WHERE p.device = device_events.device AND created_at BETWEEN p.start_at AND p.end_at))`);
    }
    const sql = `SELECT * FROM device_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, seq LIMIT ${param(q.limit)}`;
    return (await this.pool.query<Row>(sql, params)).rows.map(toEvent);
  }

  /**
   * Claims the oldest unpublished events for this instance (its own claims again, after a failed
   * pass). An event stays behind an earlier unpublished event of its device that another instance
   * holds, so a device's events reach the outbox in order whichever instance publishes them.
   */
  async unpublished(limit: number): Promise<StoredEvent[]> {
    const res = await transaction(this.pool, async (c) => {
      // One claim at a time: a claim must see the leases the previous one committed, which
      // SKIP LOCKED alone would not give the device-order check.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':device_events-publication'))`);
      return c.query<Row>(`WITH claim AS (
          SELECT e.seq FROM device_events e
          WHERE NOT e.published AND (e.lease_owner = $1 OR e.lease_until <= now())
            AND NOT EXISTS (SELECT 1 FROM device_events p WHERE NOT p.published AND p.device = e.device AND p.seq < e.seq
              AND p.lease_until > now() AND p.lease_owner IS DISTINCT FROM $1)
          ORDER BY e.seq LIMIT $2)
        UPDATE device_events d SET lease_owner = $1, lease_until = now() + make_interval(secs => $3 / 1000.0)
        FROM claim WHERE d.seq = claim.seq RETURNING d.*`, [this.owner, limit, this.leaseMs]);
    });
    return res.rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(toEvent);
  }

  async markPublished(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(`UPDATE device_events SET published = true, lease_owner = NULL, lease_until = 'epoch' WHERE id = ANY($1::text[])`, [ids]);
  }

  // seq only grows (a sequence, taken under the feed lock in commit order); events are never deleted.
  async changeBound(afterSeq: number, limit: number, devices?: string[]): Promise<{ end?: number; more: boolean }> {
    return seqBound(this.pool, 'device_events', afterSeq, limit, 'device', devices);
  }

  async readChanges(afterSeq: number, upTo: number, limit: number, devices?: string[]): Promise<{ seq: number; event: StoredEvent }[]> {
    const f = anyOf('device', devices, 4);
    return (await this.pool.query<Row>(`SELECT * FROM device_events WHERE seq > $1 AND seq <= $2 ${f.sql} ORDER BY seq LIMIT $3`, [afterSeq, upTo, limit, ...f.params]))
      .rows.map((r) => ({ seq: Number(r.seq), event: toEvent(r) }));
  }
}
