import { randomUUID } from 'node:crypto';
import type { NewSubscription, Subscription, SubscriptionBacklog, SubscriptionStore } from '../../ports/subscription-store.port.js';
import type { DeliveryProtocol, NewOutbound } from '../../ports/outbox.port.js';
import type { SqliteOutbox } from './outbox.sqlite.js';
import { migrate, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'subscriptions-001',
  sql: `
    CREATE TABLE subscriptions (
      id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, noun TEXT NOT NULL, protocol TEXT NOT NULL,
      event_types TEXT, device_group TEXT, origin TEXT NOT NULL, created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE subscription_publications (
      subscription_id TEXT NOT NULL, event_id TEXT NOT NULL, outbox_id INTEGER NOT NULL,
      PRIMARY KEY (subscription_id, event_id)
    ) WITHOUT ROWID;
    CREATE INDEX subscription_publications_outbox ON subscription_publications (subscription_id, outbox_id);
  `,
}];

interface Row { id: string; endpoint: string; noun: string; protocol: DeliveryProtocol; event_types: string | null; device_group: string | null; origin: 'config' | 'api'; created_at: number }

function toSubscription(r: Row): Subscription {
  return {
    id: r.id, endpoint: r.endpoint, noun: r.noun, protocol: r.protocol, origin: r.origin, createdAt: new Date(r.created_at),
    ...(r.event_types ? { eventTypes: JSON.parse(r.event_types) as string[] } : {}), ...(r.device_group ? { deviceGroup: r.device_group } : {}),
  };
}

export class SqliteSubscriptionStore implements SubscriptionStore {
  private readonly claim;
  private readonly link;
  /** `outbox`: the outbox on the same database, so a publication and its message commit together. */
  constructor(private readonly db: Db, private readonly outbox: SqliteOutbox) {
    migrate(db, MIGRATIONS);
    // outbox_id 0 until the message is inserted in the same transaction (rowids start at 1).
    this.claim = db.prepare('INSERT OR IGNORE INTO subscription_publications (subscription_id, event_id, outbox_id) VALUES (?, ?, 0)');
    this.link = db.prepare('UPDATE subscription_publications SET outbox_id = ? WHERE subscription_id = ? AND event_id = ?');
  }

  private insert(s: NewSubscription, origin: 'config' | 'api', now: Date): Subscription {
    const id = s.id ?? randomUUID();
    this.db.prepare(`INSERT INTO subscriptions (id, endpoint, noun, protocol, event_types, device_group, origin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET endpoint = excluded.endpoint, noun = excluded.noun, protocol = excluded.protocol,
      event_types = excluded.event_types, device_group = excluded.device_group, origin = excluded.origin`)
      .run(id, s.endpoint, s.noun, s.protocol, s.eventTypes?.length ? JSON.stringify(s.eventTypes) : null, s.deviceGroup ?? null, origin, now.getTime());
    return toSubscription(this.db.prepare('SELECT * FROM subscriptions WHERE id = ?').get(id) as Row);
  }

  async add(s: NewSubscription, origin: 'config' | 'api', now: Date): Promise<Subscription> {
    return this.insert(s, origin, now);
  }

  async replaceConfigured(items: NewSubscription[], now: Date): Promise<void> {
    this.db.transaction(() => {
      const keep = new Set(items.map((s) => this.insert(s, 'config', now).id));
      const configured = this.db.prepare(`SELECT id FROM subscriptions WHERE origin = 'config'`).all() as { id: string }[];
      for (const { id } of configured) if (!keep.has(id)) this.db.prepare('DELETE FROM subscriptions WHERE id = ?').run(id);
    })();
  }

  async list(noun?: string): Promise<Subscription[]> {
    const rows = noun === undefined
      ? this.db.prepare('SELECT * FROM subscriptions ORDER BY created_at, id').all()
      : this.db.prepare('SELECT * FROM subscriptions WHERE noun = ? ORDER BY created_at, id').all(noun);
    return (rows as Row[]).map(toSubscription);
  }

  async get(id: string): Promise<Subscription | undefined> {
    const row = this.db.prepare('SELECT * FROM subscriptions WHERE id = ?').get(id) as Row | undefined;
    return row ? toSubscription(row) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM subscriptions WHERE id = ?').run(id).changes > 0;
  }

  async isPublished(subscriptionId: string, eventId: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM subscription_publications WHERE subscription_id = ? AND event_id = ?').get(subscriptionId, eventId) !== undefined;
  }

  /** Synchronous, in one transaction: no other claim of the pair can run between the claim and the insert. */
  async queuePublication(subscriptionId: string, eventId: string, entry: NewOutbound, now: Date): Promise<number | undefined> {
    return this.db.transaction(() => {
      if (this.claim.run(subscriptionId, eventId).changes === 0) return undefined;
      const id = this.outbox.enqueueSync(entry, now.getTime());
      this.link.run(id, subscriptionId, eventId);
      return id;
    })();
  }

  /**
   * Reads the delivery state of this subscription's entries from the outbox table of the same
   * database. The Outbox port only reports per destination, and two subscriptions may share one.
   */
  async backlog(subscriptionId: string): Promise<SubscriptionBacklog> {
    const r = this.db.prepare(`SELECT SUM(o.state = 'pending') AS pending, SUM(o.state = 'delivered') AS delivered, SUM(o.state = 'dead') AS dead,
      MIN(CASE WHEN o.state = 'pending' THEN o.created_at END) AS oldest, MAX(o.delivered_at) AS last_delivered
      FROM subscription_publications p JOIN outbox o ON o.id = p.outbox_id WHERE p.subscription_id = ?`).get(subscriptionId) as
      { pending: number | null; delivered: number | null; dead: number | null; oldest: number | null; last_delivered: number | null };
    const err = this.db.prepare(`SELECT o.last_error FROM subscription_publications p JOIN outbox o ON o.id = p.outbox_id
      WHERE p.subscription_id = ? AND o.last_error IS NOT NULL AND o.state != 'delivered' ORDER BY o.id DESC LIMIT 1`).get(subscriptionId) as { last_error: string } | undefined;
    return {
      pending: r.pending ?? 0, delivered: r.delivered ?? 0, dead: r.dead ?? 0,
      ...(r.oldest ? { oldestPending: new Date(r.oldest) } : {}), ...(err ? { lastError: err.last_error } : {}),
      ...(r.last_delivered ? { lastDeliveredAt: new Date(r.last_delivered) } : {}),
    };
  }
}
