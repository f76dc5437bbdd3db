import pg from 'pg';

/**
 * Thrown by a `many` before it sends anything (a batch it cannot express as one statement, e.g.
 * one key twice): its items run alone instead.
 */
export class RunAlone extends Error {}

/**
 * A batch failure after which nothing of the batch can have been applied, so its items may run
 * again alone: `RunAlone`, or an error the server answered for the statement (its implicit
 * transaction rolled back; the backend lives on). Not a lost connection, a terminated backend or an
 * internal failure (SQLSTATE classes 08, 57, 58, XX): the server may have committed before the
 * answer was lost — the extended protocol commits an implicit transaction at Sync, after
 * CommandComplete — and running the items again would apply them twice.
 */
function rolledBack(err: unknown): boolean {
  if (err instanceof RunAlone) return true;
  return err instanceof pg.DatabaseError && typeof err.code === 'string' && !/^(08|57|58|XX)/.test(err.code);
}

/**
 * Calls that arrive in the same event-loop turn share one statement (group commit for autocommitted
 * writes, one lookup for reads).
 *
 * Why: on the request path every statement costs this process a round trip — a loopback send that
 * wakes a PostgreSQL backend, then an event-loop turn until the answer is read — while it holds a
 * pooled connection, and every autocommitted write costs a WAL flush. Sixteen requests in flight
 * each claiming their key, completing it, appending their audit row were sixteen of each; arriving
 * together (a busy loop reads many sockets per turn), they now cost one of each.
 *
 * What each caller still gets: its promise settles only when the statement that carries its item
 * is done — for a write, committed. A batch the server refused (so nothing of it was applied) is
 * not trusted for anyone: each of its items runs again alone (`one`), one after the other in call
 * order, so a caller sees exactly the error its own item causes, and never one caused by a
 * neighbour. A batch whose outcome is unknown (connection lost, see `rolledBack`) is not run again:
 * every caller gets its error, as each would from its own statement.
 */
export class StatementBatch<I, R> {
  private pending: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  /**
   * `many` gets two or more items and answers one result per item, in order; `one` is the same for
   * a single item (the plain statement, also the fallback).
   */
  constructor(
    private readonly one: (item: I) => Promise<R>,
    private readonly many: (items: I[]) => Promise<R[]>,
    private readonly maxBatch = 256,
  ) {}

  run(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O callbacks of this turn: everything they asked for goes together.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxBatch) void this.send(all.slice(i, i + this.maxBatch));
  }

  private async send(batch: typeof this.pending): Promise<void> {
    if (batch.length === 1) {
      const b = batch[0]!;
      return this.one(b.item).then(b.resolve, b.reject);
    }
    let results: R[];
    try {
      results = await this.many(batch.map((b) => b.item));
    } catch (err) {
      if (!rolledBack(err)) {
        for (const b of batch) b.reject(err);
        return;
      }
      // One after the other: a key twice in the batch is applied in call order, as it was asked.
      for (const b of batch) await this.one(b.item).then(b.resolve, b.reject);
      return;
    }
    if (results.length !== batch.length) {
      // The statement ran (a write committed): its answer cannot be matched to callers, and running
      // the items again could apply them twice.
      const err = new Error(`batch answered ${results.length} results for ${batch.length} items`);
      for (const b of batch) b.reject(err);
      return;
    }
    batch.forEach((b, i) => b.resolve(results[i]!));
  }
}
