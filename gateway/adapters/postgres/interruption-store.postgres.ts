import type { Interruption, InterruptionTrack, Outage } from '../../domain/outages/interruption.js';
import type { InterruptionQuery, InterruptionStore } from '../../ports/interruption-store.port.js';
import { systemClock, type Clock } from '../../ports/clock.port.js';
import { JOURNAL_HORIZONS_MIGRATION, journalHorizon, pruneJournal } from './journal-retention.postgres.js';
import { migratePg, transaction, type Pool } from './pg-database.js';
import { anyOf, lockFeed, seqBound } from './seq-feed.postgres.js';

// "end" is reserved in PostgreSQL: the time columns are start_at / end_at here (start / end on SQLite).
const COLUMNS = 'id, meter, usage_point, track, kind, start_at, end_at, start_event_id, end_event_id, cause, outage_id';

const MIGRATIONS = [{
  name: 'outages-001-interruptions',
  sql: `
    CREATE TABLE outages (
      id BIGSERIAL PRIMARY KEY, group_kind TEXT NOT NULL, group_id TEXT NOT NULL, start_at BIGINT NOT NULL,
      end_at BIGINT, state TEXT NOT NULL, notified_at BIGINT, restored_at BIGINT
    );
    CREATE INDEX outages_group ON outages (group_kind, group_id, start_at);
    CREATE INDEX outages_active ON outages (state) WHERE state IN ('pending', 'notified');
    CREATE TABLE interruptions (
      id BIGSERIAL PRIMARY KEY, meter TEXT NOT NULL, usage_point TEXT, track TEXT NOT NULL, kind TEXT NOT NULL,
      start_at BIGINT, end_at BIGINT, start_event_id TEXT, end_event_id TEXT, cause TEXT,
      outage_id BIGINT REFERENCES outages (id)
    );
    CREATE INDEX interruptions_meter ON interruptions (meter, track, end_at);
    CREATE INDEX interruptions_outage ON interruptions (outage_id);
    CREATE INDEX interruptions_time ON interruptions (start_at, end_at);
  `,
}, {
  // I7 change journal: one row per save, in the save's transaction, numbered in commit order (lockFeed).
  name: 'outages-002-interruption-changes',
  sql: `
    CREATE TABLE interruption_changes (
      seq BIGSERIAL PRIMARY KEY, id BIGINT NOT NULL, meter TEXT NOT NULL, usage_point TEXT, track TEXT NOT NULL, kind TEXT NOT NULL,
      start_at BIGINT, end_at BIGINT, start_event_id TEXT, end_event_id TEXT, cause TEXT, outage_id BIGINT
    );
    CREATE INDEX interruption_changes_meter ON interruption_changes (meter, seq);
    INSERT INTO interruption_changes (${COLUMNS}) SELECT ${COLUMNS} FROM interruptions ORDER BY id;
  `,
}, {
  // Commit time, for the journal's retention; entries from before it count from the upgrade.
  name: 'outages-003-interruption-changes-time',
  sql: `
    ALTER TABLE interruption_changes ADD COLUMN at BIGINT;
    UPDATE interruption_changes SET at = (extract(epoch FROM now()) * 1000)::bigint;
  `,
}, JOURNAL_HORIZONS_MIGRATION];

type Big = string | null;
interface IRow { id: string; meter: string; usage_point: string | null; track: InterruptionTrack; kind: Interruption['kind']; start_at: Big; end_at: Big; start_event_id: string | null; end_event_id: string | null; cause: string | null; outage_id: Big }
interface ORow { id: string; group_kind: Outage['groupKind']; group_id: string; start_at: string; end_at: Big; state: Outage['state']; notified_at: Big; restored_at: Big }

const some = <K extends string, V>(k: K, v: V | null): Partial<Record<K, V>> => (v === null ? {} : ({ [k]: v } as Record<K, V>));
const num = (v: Big): number | null => (v === null ? null : Number(v));

function toInterruption(r: IRow): Interruption {
  return {
    id: Number(r.id), meter: r.meter, track: r.track, kind: r.kind, ...some('usagePoint', r.usage_point), ...some('start', num(r.start_at)), ...some('end', num(r.end_at)),
    ...some('startEventId', r.start_event_id), ...some('endEventId', r.end_event_id), ...some('cause', r.cause), ...some('outageId', num(r.outage_id)),
  };
}

function toOutage(r: ORow): Outage {
  return {
    id: Number(r.id), groupKind: r.group_kind, groupId: r.group_id, start: Number(r.start_at), state: r.state,
    ...some('end', num(r.end_at)), ...some('notifiedAt', num(r.notified_at)), ...some('restoredAt', num(r.restored_at)),
  };
}

export class PgInterruptionStore implements InterruptionStore {
  /** In-process queue in front of the database lock: one pooled connection waits on it per process, not one per caller. */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly pool: Pool, private readonly clock: Clock) {}

  /** `clock` stamps the change journal's entries (their retention counts from the save). */
  static async create(pool: Pool, clock: Clock = systemClock): Promise<PgInterruptionStore> {
    await migratePg(pool, MIGRATIONS);
    return new PgInterruptionStore(pool, clock);
  }

  /**
   * Holds a transaction-scoped advisory lock on a connection of its own while `work` runs on the
   * pool: the lock goes with the transaction, so an instance killed mid-work releases it too.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const c = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await c.query('BEGIN');
        await c.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':outage-detection'))`);
        return await work();
      } finally {
        await c.query('ROLLBACK').catch((err: Error) => { broken = err; });
        c.release(broken);
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  async recentForMeter(meter: string, track: InterruptionTrack, since: number): Promise<Interruption[]> {
    return (await this.pool.query<IRow>(`SELECT * FROM interruptions WHERE meter = $1 AND track = $2 AND (end_at IS NULL OR start_at IS NULL OR end_at >= $3) ORDER BY id`,
      [meter, track, since])).rows.map(toInterruption);
  }

  async save(i: Interruption): Promise<number> {
    const p = [i.meter, i.usagePoint ?? null, i.track, i.kind, i.start ?? null, i.end ?? null, i.startEventId ?? null, i.endEventId ?? null, i.cause ?? null, i.outageId ?? null];
    return transaction(this.pool, async (c) => {
      let id = i.id;
      if (id === undefined) {
        id = Number((await c.query<{ id: string }>(`INSERT INTO interruptions (meter, usage_point, track, kind, start_at, end_at, start_event_id, end_event_id, cause, outage_id)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, p)).rows[0]!.id);
      } else {
        await c.query(`UPDATE interruptions SET meter = $1, usage_point = $2, track = $3, kind = $4, start_at = $5, end_at = $6,
          start_event_id = $7, end_event_id = $8, cause = $9, outage_id = $10 WHERE id = $11`, [...p, id]);
      }
      // Last in the transaction: the feed lock is held only from here to the commit.
      await lockFeed(c, 'interruption_changes');
      await c.query(`INSERT INTO interruption_changes (${COLUMNS}, at) SELECT ${COLUMNS}, $2 FROM interruptions WHERE id = $1`, [id, this.clock.now().getTime()]);
      return id;
    });
  }

  async changeBound(afterSeq: number, limit: number, meters?: string[]): Promise<{ end?: number; more: boolean }> {
    return seqBound(this.pool, 'interruption_changes', afterSeq, limit, 'meter', meters);
  }

  async readChanges(afterSeq: number, upTo: number, limit: number, meters?: string[]): Promise<{ seq: number; interruption: Interruption & { id: number } }[]> {
    const f = anyOf('meter', meters, 4);
    return (await this.pool.query<IRow & { seq: string }>(`SELECT * FROM interruption_changes WHERE seq > $1 AND seq <= $2 ${f.sql} ORDER BY seq LIMIT $3`,
      [afterSeq, upTo, limit, ...f.params])).rows.map((r) => ({ seq: Number(r.seq), interruption: toInterruption(r) as Interruption & { id: number } }));
  }

  async pruneChanges(belowSeq: number, olderThan: Date, max: number): Promise<number> {
    return pruneJournal(this.pool, 'interruption_changes', belowSeq, olderThan, max);
  }

  async changeHorizon(): Promise<number> {
    return journalHorizon(this.pool, 'interruption_changes');
  }

  async joinableOutage(groupKind: Outage['groupKind'], groupId: string, time: number, windowMs: number): Promise<Outage | undefined> {
    const row = (await this.pool.query<ORow>(`SELECT * FROM outages WHERE group_kind = $1 AND group_id = $2 AND state IN ('pending', 'notified')
      AND start_at BETWEEN $3::bigint - $4::bigint AND $3::bigint + $4::bigint ORDER BY abs(start_at - $3::bigint), id LIMIT 1`, [groupKind, groupId, time, windowMs])).rows[0];
    return row ? toOutage(row) : undefined;
  }

  async saveOutage(o: Outage): Promise<number> {
    const p = [o.groupKind, o.groupId, o.start, o.end ?? null, o.state, o.notifiedAt ?? null, o.restoredAt ?? null];
    if (o.id === undefined) {
      return Number((await this.pool.query<{ id: string }>(`INSERT INTO outages (group_kind, group_id, start_at, end_at, state, notified_at, restored_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p)).rows[0]!.id);
    }
    await this.pool.query(`UPDATE outages SET group_kind = $1, group_id = $2, start_at = $3, end_at = $4, state = $5, notified_at = $6, restored_at = $7
      WHERE id = $8`, [...p, o.id]);
    return o.id;
  }

  async outage(id: number): Promise<Outage | undefined> {
    const row = (await this.pool.query<ORow>('SELECT * FROM outages WHERE id = $1', [id])).rows[0];
    return row ? toOutage(row) : undefined;
  }

  async activeOutages(): Promise<Outage[]> {
    return (await this.pool.query<ORow>(`SELECT * FROM outages WHERE state IN ('pending', 'notified') ORDER BY id`)).rows.map(toOutage);
  }

  async members(outageId: number): Promise<Interruption[]> {
    return (await this.pool.query<IRow>('SELECT * FROM interruptions WHERE outage_id = $1 ORDER BY meter COLLATE "C", id', [outageId])).rows.map(toInterruption);
  }

  async interruptions(q: InterruptionQuery): Promise<Interruption[]> {
    return (await this.pool.query<IRow>(`SELECT * FROM interruptions WHERE (start_at IS NULL OR start_at <= $2) AND (end_at IS NULL OR end_at >= $1)
      AND ($3::text IS NULL OR meter = $3) ORDER BY coalesce(start_at, end_at), meter COLLATE "C", id`, [q.from, q.to, q.meter ?? null])).rows.map(toInterruption);
  }

  async outages(from: number, to: number): Promise<Outage[]> {
    return (await this.pool.query<ORow>(`SELECT * FROM outages WHERE start_at <= $1 AND (end_at IS NULL OR end_at >= $2) ORDER BY start_at, id`, [to, from])).rows.map(toOutage);
  }
}
