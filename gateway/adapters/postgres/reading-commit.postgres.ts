import type { IngestStats } from '../../ports/reading-store.port.js';
import { transaction, type Pool } from './pg-database.js';

/**
 * The common cases, a day row at a time: a staged day (staged once, timestamps strictly
 * increasing) that the store has not seen is inserted as it is and journalled as a whole-day
 * insertion (a load profile is entirely this); one equal to the stored day (a message sent again)
 * is all unchanged and writes nothing. The staged rows are read once (a hash join, not a probe per
 * row). `rest` counts the other day keys; only when there are any does `done` list the staging
 * rows handled here, for MERGE to skip.
 * $1 ingest, $2/$3 first and last staged day (plan-time partition pruning), $4 commit time (epoch ms, journal).
 */
const NEW_DAYS = `
WITH staged AS MATERIALIZED (
  SELECT s.seq, m.id AS meter_id, t.id AS type_id, s.meter, s.reading_type, s.day, s.clean, s.offs, s.vals, s.registers, s.notes
  FROM reading_staging s JOIN reading_meters m ON m.mrid = s.meter JOIN reading_types t ON t.code = s.reading_type
  WHERE s.ingest_id = $1
),
keys AS MATERIALIZED (
  SELECT meter_id, type_id, day, count(*) AS k, bool_and(clean) AS clean FROM staged GROUP BY meter_id, type_id, day
),
single AS MATERIALIZED (
  SELECT s.*, d.offs IS NOT NULL AS old,
    coalesce(d.offs = s.offs AND d.vals = s.vals AND d.registers IS NOT DISTINCT FROM s.registers AND d.notes IS NOT DISTINCT FROM s.notes, false) AS same
  FROM keys k JOIN staged s USING (meter_id, type_id, day)
    LEFT JOIN reading_days d ON d.meter_id = k.meter_id AND d.type_id = k.type_id AND d.day = k.day AND d.day BETWEEN $2 AND $3
  WHERE k.k = 1 AND k.clean
),
fast AS MATERIALIZED (SELECT * FROM single WHERE NOT old),
ins AS (
  INSERT INTO reading_days (meter_id, type_id, day, offs, vals, registers, notes)
  SELECT meter_id, type_id, day, offs, vals, registers, notes FROM fast
),
journal AS (
  INSERT INTO reading_changes (meter_id, type_id, day, n, offs, vals, registers, notes, at)
  SELECT meter_id, type_id, day, cardinality(offs), offs, vals, registers, notes, $4::bigint FROM fast ORDER BY meter, reading_type, day
),
counts AS (
  SELECT (SELECT coalesce(sum(cardinality(offs)), 0) FROM fast)::bigint AS inserted,
    (SELECT coalesce(sum(cardinality(offs)), 0) FROM single WHERE old AND same)::bigint AS unchanged,
    (SELECT count(*) FROM keys) - (SELECT count(*) FROM single WHERE NOT old OR same) AS rest
)
SELECT inserted, unchanged, rest, CASE WHEN rest > 0 THEN (SELECT array_agg(seq) FROM single WHERE NOT old OR same) END AS done FROM counts`;

/**
 * Everything else, point by point: every staged version of a reading and the stored one, oldest
 * first (stored, then staging order, then position in the staged row — a later repeat in the same
 * message is the newer version). A staged version equal in value and note to the one before it is
 * unchanged; one that differs is a correction (history row: who sent it, when) or, with nothing
 * before it, an insertion. Each touched day is rewritten with the last effective version of every
 * point and journalled with only its changed points. Concurrent commits cannot interleave (they
 * hold the same advisory lock), so the stored rows read here are the ones overwritten.
 * $1 ingest, $2/$3 day range, $4 source, $5 message id, $6 received at, $7 staging rows NEW_DAYS took, $8 commit time (epoch ms, journal).
 */
const MERGE = `
WITH st AS MATERIALIZED (
  SELECT m.id AS meter_id, t.id AS type_id, s.day, s.seq, s.offs, s.vals, s.registers, s.notes
  FROM reading_staging s JOIN reading_meters m ON m.mrid = s.meter JOIN reading_types t ON t.code = s.reading_type
  WHERE s.ingest_id = $1 AND s.seq NOT IN (SELECT unnest($7::bigint[]))
),
keys AS (SELECT DISTINCT meter_id, type_id, day FROM st),
pts AS (
  SELECT st.meter_id, st.type_id, st.day, 1 AS src, st.seq, u.i, u.off, u.val, coalesce(u.reg, false) AS reg, st.notes -> (u.i - 1)::text AS note
  FROM st, unnest(st.offs, st.vals, st.registers) WITH ORDINALITY AS u(off, val, reg, i)
  UNION ALL
  SELECT d.meter_id, d.type_id, d.day, 0, 0, u.i, u.off, u.val, coalesce(u.reg, false), d.notes -> (u.i - 1)::text
  FROM keys k JOIN reading_days d ON d.meter_id = k.meter_id AND d.type_id = k.type_id AND d.day = k.day AND d.day BETWEEN $2 AND $3,
    unnest(d.offs, d.vals, d.registers) WITH ORDINALITY AS u(off, val, reg, i)
),
versions AS (
  SELECT p.*, row_number() OVER w AS rn, lag(val) OVER w AS pval, lag(note) OVER w AS pnote,
    bool_or(src = 0) OVER (PARTITION BY meter_id, type_id, day, off) AS existed
  FROM pts p WINDOW w AS (PARTITION BY meter_id, type_id, day, off ORDER BY src, seq, i)
),
judged AS (
  SELECT v.*, (rn = 1 OR val IS DISTINCT FROM pval OR note IS DISTINCT FROM pnote) AS effective FROM versions v
),
marked AS (
  SELECT j.*, bool_or(src = 1 AND effective) OVER (PARTITION BY meter_id, type_id, day, off) AS changed FROM judged j
),
latest AS (
  SELECT DISTINCT ON (meter_id, type_id, day, off) meter_id, type_id, day, off, val, reg, note, existed, changed
  FROM marked WHERE effective ORDER BY meter_id, type_id, day, off, src DESC, seq DESC, i DESC
),
numbered AS (
  SELECT f.*, row_number() OVER (PARTITION BY meter_id, type_id, day ORDER BY off) - 1 AS idx FROM latest f
),
merged AS (
  SELECT meter_id, type_id, day, array_agg(off ORDER BY off) AS offs, array_agg(val ORDER BY off) AS vals,
    CASE WHEN bool_or(reg) THEN array_agg(reg ORDER BY off) END AS registers,
    jsonb_object_agg(idx::text, note) FILTER (WHERE note IS NOT NULL) AS notes
  FROM numbered GROUP BY meter_id, type_id, day HAVING bool_or(changed)
),
up AS (
  INSERT INTO reading_days (meter_id, type_id, day, offs, vals, registers, notes)
  SELECT meter_id, type_id, day, offs, vals, registers, notes FROM merged ORDER BY meter_id, type_id, day
  ON CONFLICT (meter_id, type_id, day) DO UPDATE SET offs = excluded.offs, vals = excluded.vals, registers = excluded.registers, notes = excluded.notes
),
changes AS (
  SELECT f.*, row_number() OVER (PARTITION BY meter_id, type_id, day ORDER BY off) - 1 AS idx FROM latest f WHERE changed
),
journal AS (
  INSERT INTO reading_changes (meter_id, type_id, day, n, offs, vals, registers, notes, corrected, at)
  SELECT g.meter_id, g.type_id, g.day, g.n, g.offs, g.vals, g.registers, g.notes, g.corrected, $8::bigint
  FROM (
    SELECT meter_id, type_id, day, count(*)::int AS n, array_agg(off ORDER BY off) AS offs, array_agg(val ORDER BY off) AS vals,
      CASE WHEN bool_or(reg) THEN array_agg(reg ORDER BY off) END AS registers,
      jsonb_object_agg(idx::text, note) FILTER (WHERE note IS NOT NULL) AS notes,
      array_agg(idx::int ORDER BY idx) FILTER (WHERE existed) AS corrected
    FROM changes GROUP BY meter_id, type_id, day
  ) g JOIN reading_meters m ON m.id = g.meter_id JOIN reading_types t ON t.id = g.type_id
  ORDER BY m.mrid, t.code, g.day
),
history AS (
  INSERT INTO reading_corrections (meter_id, type_id, ts, previous_value, value, previous_qualities, qualities, source, message_id, received_at)
  SELECT meter_id, type_id, timestamptz 'epoch' + ((day - date 'epoch')::bigint * 86400000 + off) * interval '1 millisecond', pval, val,
    ARRAY(SELECT jsonb_array_elements_text(pnote -> 'q')), ARRAY(SELECT jsonb_array_elements_text(note -> 'q')), $4, $5, $6
  FROM judged WHERE src = 1 AND rn > 1 AND effective
  ORDER BY meter_id, type_id, day, off, seq, i
)
SELECT count(*) FILTER (WHERE src = 1 AND rn = 1) AS inserted,
  count(*) FILTER (WHERE src = 1 AND rn > 1 AND NOT effective) AS unchanged,
  count(*) FILTER (WHERE src = 1 AND rn > 1 AND effective) AS corrected
FROM judged`;

/** Lookup ids for the staged meters and reading types that have none yet (in order, so two instances cannot deadlock). */
const NEW_IDS = (table: 'reading_meters' | 'reading_types', key: 'mrid' | 'code', column: 'meter' | 'reading_type') => `
  INSERT INTO ${table} (${key})
  SELECT DISTINCT s.${column} FROM reading_staging s
  WHERE s.ingest_id = $1 AND NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.${key} = s.${column})
  ORDER BY 1 ON CONFLICT DO NOTHING`;

interface IngestRow { source: string; message_id: string; received_at: Date; staged: number; first_day: string | null; last_day: string | null }

/**
 * Makes one ingest's staged rows visible in one transaction. The commits of all gateway instances
 * are serialised by an advisory lock taken first and held to COMMIT: that is what makes journal
 * positions grow in commit order (see PgReadingJournal). Staging (COPY, the bulk of the work) is
 * not under the lock; partitions are made while staging and lookup ids just before the lock, each
 * in their own short transactions, so the lock holder never waits for another ingest's locks.
 * `now` stamps the journal entries (their retention counts from the commit), read once the lock is held.
 */
export async function commitStaged(pool: Pool, ingestId: string, now: () => number): Promise<IngestStats> {
  await pool.query(NEW_IDS('reading_meters', 'mrid', 'meter'), [ingestId]);
  await pool.query(NEW_IDS('reading_types', 'code', 'reading_type'), [ingestId]);
  const stats: IngestStats = { inserted: 0, unchanged: 0, corrected: 0 };
  await transaction(pool, async (c) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('cim-gateway:reading-commits'), hashtext(current_schema()))`);
    const at = now();
    // Read under the lock: a second commit of the same ingest finds it gone.
    const meta = (await c.query<IngestRow>(
      `SELECT source, message_id, received_at, staged, first_day::text, last_day::text FROM reading_ingests WHERE id = $1`, [ingestId])).rows[0];
    if (!meta) throw new Error(`unknown ingest ${ingestId} (committed or discarded already, or lost in a database restart)`);
    const present = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM reading_staging WHERE ingest_id = $1', [ingestId])).rows[0]!.n);
    // Belt and braces: staging and its bookkeeping are UNLOGGED and a crash empties both (unknown
    // ingest above); committing what is left of a partly deleted staging would store part of a message.
    if (present !== meta.staged) throw new Error(`ingest ${ingestId}: ${meta.staged - present} of ${meta.staged} staged day rows were lost; the message must be sent again`);
    if (meta.staged > 0) {
      const range = [meta.first_day, meta.last_day];
      // Sorts and hashes of a whole message's day rows (~15 MB per million readings) stay in memory.
      await c.query(`SET LOCAL work_mem = '128MB'`);
      const fast = (await c.query<{ inserted: string; unchanged: string; rest: string; done: string[] | null }>(NEW_DAYS, [ingestId, ...range, at])).rows[0]!;
      stats.inserted += Number(fast.inserted);
      stats.unchanged += Number(fast.unchanged);
      if (Number(fast.rest) > 0) {
        const merged = (await c.query<{ inserted: string; unchanged: string; corrected: string }>(MERGE, [ingestId, ...range, meta.source, meta.message_id, meta.received_at, fast.done ?? [], at])).rows[0]!;
        stats.inserted += Number(merged.inserted);
        stats.unchanged += Number(merged.unchanged);
        stats.corrected += Number(merged.corrected);
      }
    }
    await c.query('DELETE FROM reading_staging WHERE ingest_id = $1', [ingestId]);
    await c.query('DELETE FROM reading_ingests WHERE id = $1', [ingestId]);
  });
  return stats;
}
