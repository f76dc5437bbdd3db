import type { Db } from './sqlite-database.js';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * Group commit: the writes that concurrent requests ask for while the event loop is busy are
 * committed together, at the end of the loop turn, in one transaction.
 *
 * Why: in WAL mode a commit's cost is the pages it appends to the log (every index leaf an insert
 * touches, 4 KB each) plus, every thousand pages, a checkpoint that fsyncs. Requests that arrive
 * together insert next to each other, so one commit for many of them writes each page once.
 *
 * What each caller still gets: its work runs whole or not at all (a savepoint of its own: one
 * caller's failure rolls back only its work), and its promise settles only once the commit is
 * done — resolved when its writes are durable, rejected when they are not (a failed commit
 * rejects every caller of the batch; nothing of it was stored).
 *
 * `work` must be synchronous and must not await or call `run` itself (better-sqlite3 is
 * synchronous; the batch runs inside one call).
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly batch: (items: Pending[]) => Outcome[];
  private readonly one: (work: () => unknown) => unknown;

  constructor(private readonly db: Db) {
    this.one = db.transaction((work: () => unknown) => work());
    this.batch = db.transaction((items: Pending[]) => items.map((item): Outcome => {
      try {
        return { ok: true, value: this.one(item.work) };
      } catch (err) {
        // SQLite ends the whole transaction on some errors (disk full, I/O); the batch then fails as one.
        if (!db.inTransaction) throw err;
        return { ok: false, err };
      }
    }));
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is waiting now (also called before the database closes). */
  flush(): void {
    this.scheduled = false;
    const items = this.pending;
    this.pending = [];
    if (items.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.batch(items);
    } catch (err) {
      for (const item of items) item.reject(err);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? items[i]!.resolve(o.value) : items[i]!.reject(o.err)));
  }
}

const shared = new WeakMap<Db, GroupCommit>();

/** The one group commit of a connection, shared by the adapters that write on the request path. */
export function groupCommit(db: Db): GroupCommit {
  let g = shared.get(db);
  if (!g) shared.set(db, (g = new GroupCommit(db)));
  return g;
}
