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
 * is done — for a write, committed. A batch whose statement fails is not trusted for anyone: each of
 * its items runs again alone (`one`), so a caller sees exactly the error its own item causes, and
 * never one caused by a neighbour.
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
      if (results.length !== batch.length) throw new Error(`batch answered ${results.length} results for ${batch.length} items`);
    } catch {
      await Promise.all(batch.map((b) => this.one(b.item).then(b.resolve, b.reject)));
      return;
    }
    batch.forEach((b, i) => b.resolve(results[i]!));
  }
}
