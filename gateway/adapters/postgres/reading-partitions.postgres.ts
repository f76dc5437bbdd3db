import { DAY_MS } from '../../domain/readings/day-block.js';
import { transaction, type Pool } from './pg-database.js';
import { dayDate } from './reading-copy.postgres.js';

/** First day (days since 1970-01-01) of the UTC month holding `day`, and of the month after. */
export function monthOf(day: number): { from: number; to: number; name: string } {
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const start = new Date(0);
  start.setUTCFullYear(y, m, 1);
  const end = new Date(0);
  end.setUTCFullYear(y, m + 1, 1);
  return { from: start.getTime() / DAY_MS, to: end.getTime() / DAY_MS, name: `reading_days_${String(y).padStart(4, '0')}_${String(m + 1).padStart(2, '0')}` };
}

/** A partition bound; the month after December 9999 is beyond what the store takes (MAXVALUE). */
const bound = (day: number) => (new Date(day * DAY_MS).getUTCFullYear() > 9999 ? 'MAXVALUE' : `'${dayDate(day)}'`);

/** Which of the partition names in $1 are attached to reading_days. */
const ATTACHED = `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'reading_days'::regclass AND c.relname = ANY($1)`;

/**
 * Monthly partitions of `reading_days`, created when a commit first needs them. Several gateway
 * instances may need the same month at once: creation is serialised by an advisory lock and
 * checks the catalogue under it. The partition is created as a plain table and then attached:
 * `CREATE TABLE … PARTITION OF` would take an ACCESS EXCLUSIVE lock on `reading_days` (stalling
 * every read and ingest until it gets it), ATTACH only a SHARE UPDATE EXCLUSIVE one, which
 * neither reads nor writes conflict with. Known months are remembered per process.
 */
export class ReadingPartitions {
  private readonly known = new Set<string>();

  constructor(private readonly pool: Pool) {}

  async ensure(days: Iterable<number>): Promise<void> {
    const months = new Map<string, { from: number; to: number; name: string }>();
    for (const day of days) {
      const m = monthOf(day);
      if (!this.known.has(m.name)) months.set(m.name, m);
    }
    if (months.size === 0) return;
    const existing = await this.pool.query<{ name: string }>(ATTACHED, [[...months.keys()]]);
    for (const r of existing.rows) { this.known.add(r.name); months.delete(r.name); }
    if (months.size === 0) return;
    await transaction(this.pool, async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('cim-gateway:reading-partitions'), hashtext(current_schema()))`);
      for (const m of [...months.values()].sort((a, b) => a.from - b.from)) {
        const there = await c.query(ATTACHED, [[m.name]]);
        if (!there.rowCount) {
          await c.query(`CREATE TABLE ${m.name} (LIKE reading_days INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)`);
          await c.query(`ALTER TABLE reading_days ATTACH PARTITION ${m.name} FOR VALUES FROM (${bound(m.from)}) TO (${bound(m.to)})`);
        }
      }
    });
    for (const name of months.keys()) this.known.add(name);
  }
}
