import type { StoredEvent } from '../../domain/events/device-event.js';
import type { EventQuery, EventStore } from '../../ports/event-store.port.js';
import { inList, seqBound } from './seq-feed.sqlite.js';
import { migrate, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'events-001-device-events',
  sql: `
    CREATE TABLE device_events (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      device TEXT NOT NULL,
      event_type TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      mrid TEXT NOT NULL DEFAULT '',
      known INTEGER NOT NULL,
      source TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      published INTEGER NOT NULL DEFAULT 0,
      body TEXT NOT NULL,
      UNIQUE (device, event_type, created_at, mrid)
    );
    CREATE INDEX device_events_device_time ON device_events (device, created_at);
    CREATE INDEX device_events_time ON device_events (created_at);
    CREATE INDEX device_events_unpublished ON device_events (seq) WHERE published = 0;
  `,
}];

/** Everything but the key columns travels as JSON: details and optional fields vary per sender. */
type Body = Omit<StoredEvent, 'id' | 'device' | 'eventType' | 'createdDateTime' | 'known' | 'source' | 'receivedAt'>;
interface Row { seq: number; id: string; device: string; event_type: string; created_at: number; known: number; source: string; received_at: number; body: string }

function toEvent(r: Row): StoredEvent {
  const body = JSON.parse(r.body) as Body;
  return { ...body, id: r.id, device: r.device, eventType: r.event_type, createdDateTime: r.created_at, known: r.known === 1, source: r.source, receivedAt: r.received_at };
}

export class SqliteEventStore implements EventStore {
  private readonly insert;

  constructor(private readonly db: Db) {
    migrate(db, MIGRATIONS);
    this.insert = db.prepare(`INSERT OR IGNORE INTO device_events (id, device, event_type, created_at, mrid, known, source, received_at, body)
      VALUES (@id, @device, @eventType, @createdAt, @mrid, @known, @source, @receivedAt, @body)`);
  }

  async add(events: StoredEvent[]): Promise<StoredEvent[]> {
    return this.db.transaction(() => events.filter((e) => {
      const { id, device, eventType, createdDateTime, known, source, receivedAt, ...body } = e;
      return this.insert.run({ id, device, eventType, createdAt: createdDateTime, mrid: e.mRID ?? '', known: known ? 1 : 0, source, receivedAt, body: JSON.stringify(body) }).changes > 0;
    }))();
  }

  async query(q: EventQuery): Promise<StoredEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    // json_each keeps the statement one shape whatever the list length.
    if (q.devices?.length) { where.push('device IN (SELECT value FROM json_each(?))'); params.push(JSON.stringify(q.devices)); }
    if (q.eventTypes?.length) { where.push('event_type IN (SELECT value FROM json_each(?))'); params.push(JSON.stringify(q.eventTypes)); }
    if (q.from !== undefined) { where.push('created_at >= ?'); params.push(q.from); }
    if (q.to !== undefined) { where.push('created_at <= ?'); params.push(q.to); }
    if (q.periods?.size) {
      // [device, start, end] rows; a device with no period gets one that holds nothing (start > end).
      const rows = [...q.periods].flatMap(([device, list]) => (list.length ? list.map((p) => [device, p.start, p.end ?? 8.64e15]) : [[device, 1, 0]]));
      where.push(`(NOT EXISTS (SELECT 1 FROM json_each(?) p WHERE json_extract(p.value, '$[0]') = device)
        OR EXISTS (SELECT 1 FROM json_each(?) p WHERE json_extract(p.value, '$[0]') = device AND created_at BETWEEN json_extract(p.value, '$[1]') AND json_extract(p.value, '$[2]')))`);
      const json = JSON.stringify(rows);
      params.push(json, json);
    }
    const sql = `SELECT * FROM device_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, seq LIMIT ?`;
    return (this.db.prepare(sql).all(...params, q.limit) as Row[]).map(toEvent);
  }

  async unpublished(limit: number): Promise<StoredEvent[]> {
    return (this.db.prepare('SELECT * FROM device_events WHERE published = 0 ORDER BY seq LIMIT ?').all(limit) as Row[]).map(toEvent);
  }

  async markPublished(ids: string[]): Promise<void> {
    const stmt = this.db.prepare('UPDATE device_events SET published = 1 WHERE id = ?');
    this.db.transaction(() => ids.forEach((id) => stmt.run(id)))();
  }

  // seq is the rowid: events are never deleted, so it only grows (a retention job must keep the newest row).
  async changeBound(afterSeq: number, limit: number, devices?: string[]): Promise<{ end?: number; more: boolean }> {
    return seqBound(this.db, 'device_events', afterSeq, limit, inList('device', devices));
  }

  async readChanges(afterSeq: number, upTo: number, limit: number, devices?: string[]): Promise<{ seq: number; event: StoredEvent }[]> {
    const f = inList('device', devices);
    return (this.db.prepare(`SELECT * FROM device_events WHERE seq > ? AND seq <= ? ${f.sql} ORDER BY seq LIMIT ?`).all(afterSeq, upTo, ...f.params, limit) as Row[])
      .map((r) => ({ seq: r.seq, event: toEvent(r) }));
  }
}
