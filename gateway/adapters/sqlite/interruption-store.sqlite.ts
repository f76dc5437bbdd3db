import type { Interruption, InterruptionTrack, Outage } from '../../domain/outages/interruption.js';
import type { InterruptionQuery, InterruptionStore } from '../../ports/interruption-store.port.js';
import { systemClock, type Clock } from '../../ports/clock.port.js';
import { journalHorizon, pruneJournal } from './journal-retention.sqlite.js';
import { inList, seqBound } from './seq-feed.sqlite.js';
import { migrate, type Db } from './sqlite-database.js';

const COLUMNS = 'id, meter, usage_point, track, kind, start, end, start_event_id, end_event_id, cause, outage_id';

const MIGRATIONS = [{
  name: 'outages-001-interruptions',
  sql: `
    CREATE TABLE outages (
      id INTEGER PRIMARY KEY, group_kind TEXT NOT NULL, group_id TEXT NOT NULL, start INTEGER NOT NULL,
      end INTEGER, state TEXT NOT NULL, notified_at INTEGER, restored_at INTEGER
    );
    CREATE INDEX outages_group ON outages (group_kind, group_id, start);
    CREATE INDEX outages_active ON outages (state) WHERE state IN ('pending', 'notified');
    CREATE TABLE interruptions (
      id INTEGER PRIMARY KEY, meter TEXT NOT NULL, usage_point TEXT, track TEXT NOT NULL, kind TEXT NOT NULL,
      start INTEGER, end INTEGER, start_event_id TEXT, end_event_id TEXT, cause TEXT,
      outage_id INTEGER REFERENCES outages (id)
    );
    CREATE INDEX interruptions_meter ON interruptions (meter, track, end);
    CREATE INDEX interruptions_outage ON interruptions (outage_id);
    CREATE INDEX interruptions_time ON interruptions (start, end);
  `,
}, {
  // I7 change journal: one row per save, in the save's transaction; existing rows enter it once.
  name: 'outages-002-interruption-changes',
  sql: `
    CREATE TABLE interruption_changes (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id INTEGER NOT NULL, meter TEXT NOT NULL, usage_point TEXT, track TEXT NOT NULL, kind TEXT NOT NULL,
      start INTEGER, end INTEGER, start_event_id TEXT, end_event_id TEXT, cause TEXT, outage_id INTEGER
    );
    CREATE INDEX interruption_changes_meter ON interruption_changes (meter, seq);
    INSERT INTO interruption_changes (${COLUMNS}) SELECT ${COLUMNS} FROM interruptions ORDER BY id;
  `,
}, {
  // Commit time, for the journal's retention; entries from before it count from the upgrade.
  name: 'outages-003-interruption-changes-time',
  sql: `
    ALTER TABLE interruption_changes ADD COLUMN at INTEGER;
    UPDATE interruption_changes SET at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
  `,
}];

interface IRow { id: number; meter: string; usage_point: string | null; track: InterruptionTrack; kind: Interruption['kind']; start: number | null; end: number | null; start_event_id: string | null; end_event_id: string | null; cause: string | null; outage_id: number | null }
interface ORow { id: number; group_kind: Outage['groupKind']; group_id: string; start: number; end: number | null; state: Outage['state']; notified_at: number | null; restored_at: number | null }

const some = <K extends string, V>(k: K, v: V | null): Partial<Record<K, V>> => (v === null ? {} : ({ [k]: v } as Record<K, V>));

function toInterruption(r: IRow): Interruption {
  return {
    id: r.id, meter: r.meter, track: r.track, kind: r.kind, ...some('usagePoint', r.usage_point), ...some('start', r.start), ...some('end', r.end),
    ...some('startEventId', r.start_event_id), ...some('endEventId', r.end_event_id), ...some('cause', r.cause), ...some('outageId', r.outage_id),
  };
}

function toOutage(r: ORow): Outage {
  return { id: r.id, groupKind: r.group_kind, groupId: r.group_id, start: r.start, state: r.state, ...some('end', r.end), ...some('notifiedAt', r.notified_at), ...some('restoredAt', r.restored_at) };
}

export class SqliteInterruptionStore implements InterruptionStore {
  private chain: Promise<unknown> = Promise.resolve();

  /** `clock` stamps the change journal's entries (their retention counts from the save). */
  constructor(private readonly db: Db, private readonly clock: Clock = systemClock) {
    migrate(db, MIGRATIONS);
  }

  /** The embedded profile is one process: a promise chain is the whole lock. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  async recentForMeter(meter: string, track: InterruptionTrack, since: number): Promise<Interruption[]> {
    return (this.db.prepare(`SELECT * FROM interruptions WHERE meter = ? AND track = ? AND (end IS NULL OR start IS NULL OR end >= ?) ORDER BY id`)
      .all(meter, track, since) as IRow[]).map(toInterruption);
  }

  async save(i: Interruption): Promise<number> {
    const p = {
      meter: i.meter, usagePoint: i.usagePoint ?? null, track: i.track, kind: i.kind, start: i.start ?? null, end: i.end ?? null,
      startEventId: i.startEventId ?? null, endEventId: i.endEventId ?? null, cause: i.cause ?? null, outageId: i.outageId ?? null,
    };
    const journal = this.db.prepare(`INSERT INTO interruption_changes (${COLUMNS}, at) SELECT ${COLUMNS}, ? FROM interruptions WHERE id = ?`);
    return this.db.transaction(() => {
      let id = i.id;
      if (id === undefined) {
        id = Number(this.db.prepare(`INSERT INTO interruptions (meter, usage_point, track, kind, start, end, start_event_id, end_event_id, cause, outage_id)
          VALUES (@meter, @usagePoint, @track, @kind, @start, @end, @startEventId, @endEventId, @cause, @outageId)`).run(p).lastInsertRowid);
      } else {
        this.db.prepare(`UPDATE interruptions SET meter = @meter, usage_point = @usagePoint, track = @track, kind = @kind, start = @start, end = @end,
          start_event_id = @startEventId, end_event_id = @endEventId, cause = @cause, outage_id = @outageId WHERE id = @id`).run({ ...p, id });
      }
      journal.run(this.clock.now().getTime(), id);
      return id;
    })();
  }

  async changeBound(afterSeq: number, limit: number, meters?: string[]): Promise<{ end?: number; more: boolean }> {
    return seqBound(this.db, 'interruption_changes', afterSeq, limit, inList('meter', meters));
  }

  async readChanges(afterSeq: number, upTo: number, limit: number, meters?: string[]): Promise<{ seq: number; interruption: Interruption & { id: number } }[]> {
    const f = inList('meter', meters);
    return (this.db.prepare(`SELECT * FROM interruption_changes WHERE seq > ? AND seq <= ? ${f.sql} ORDER BY seq LIMIT ?`).all(afterSeq, upTo, ...f.params, limit) as (IRow & { seq: number })[])
      .map((r) => ({ seq: r.seq, interruption: toInterruption(r) as Interruption & { id: number } }));
  }

  async pruneChanges(belowSeq: number, olderThan: Date, max: number): Promise<number> {
    return pruneJournal(this.db, 'interruption_changes', belowSeq, olderThan.getTime(), max);
  }

  async changeHorizon(): Promise<number> {
    return journalHorizon(this.db, 'interruption_changes');
  }

  async joinableOutage(groupKind: Outage['groupKind'], groupId: string, time: number, windowMs: number): Promise<Outage | undefined> {
    const row = this.db.prepare(`SELECT * FROM outages WHERE group_kind = ? AND group_id = ? AND state IN ('pending', 'notified')
      AND start BETWEEN ? AND ? ORDER BY abs(start - ?) LIMIT 1`).get(groupKind, groupId, time - windowMs, time + windowMs, time) as ORow | undefined;
    return row ? toOutage(row) : undefined;
  }

  async saveOutage(o: Outage): Promise<number> {
    const p = { groupKind: o.groupKind, groupId: o.groupId, start: o.start, end: o.end ?? null, state: o.state, notifiedAt: o.notifiedAt ?? null, restoredAt: o.restoredAt ?? null };
    if (o.id === undefined) {
      return Number(this.db.prepare(`INSERT INTO outages (group_kind, group_id, start, end, state, notified_at, restored_at)
        VALUES (@groupKind, @groupId, @start, @end, @state, @notifiedAt, @restoredAt)`).run(p).lastInsertRowid);
    }
    this.db.prepare(`UPDATE outages SET group_kind = @groupKind, group_id = @groupId, start = @start, end = @end, state = @state,
      notified_at = @notifiedAt, restored_at = @restoredAt WHERE id = @id`).run({ ...p, id: o.id });
    return o.id;
  }

  async outage(id: number): Promise<Outage | undefined> {
    const row = this.db.prepare('SELECT * FROM outages WHERE id = ?').get(id) as ORow | undefined;
    return row ? toOutage(row) : undefined;
  }

  async activeOutages(): Promise<Outage[]> {
    return (this.db.prepare(`SELECT * FROM outages WHERE state IN ('pending', 'notified') ORDER BY id`).all() as ORow[]).map(toOutage);
  }

  async members(outageId: number): Promise<Interruption[]> {
    return (this.db.prepare('SELECT * FROM interruptions WHERE outage_id = ? ORDER BY meter').all(outageId) as IRow[]).map(toInterruption);
  }

  async interruptions(q: InterruptionQuery): Promise<Interruption[]> {
    return (this.db.prepare(`SELECT * FROM interruptions WHERE (start IS NULL OR start <= @to) AND (end IS NULL OR end >= @from)
      AND (@meter IS NULL OR meter = @meter) ORDER BY coalesce(start, end), meter`).all({ from: q.from, to: q.to, meter: q.meter ?? null }) as IRow[]).map(toInterruption);
  }

  async outages(from: number, to: number): Promise<Outage[]> {
    return (this.db.prepare(`SELECT * FROM outages WHERE start <= ? AND (end IS NULL OR end >= ?) ORDER BY start`).all(to, from) as ORow[]).map(toOutage);
  }
}
