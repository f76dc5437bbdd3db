// Cluster audit log: what safe afterId paging costs. Appends from two pools (two instances), 16 in
// flight, through PgAuditLog (shared advisory lock in the insert) against the plain INSERT it used to
// be, alternated in one run on one table, also with a reader paging without pause; and one query's
// latency (sequence read + lock instant + select) against the select alone. Needs DATABASE_URL.
import pg from 'pg';
import { PgAuditLog } from '../gateway/adapters/postgres/audit-log.postgres.js';
import { openPostgres, type Pool } from '../gateway/adapters/postgres/pg-database.js';
import type { AuditEntry } from '../gateway/ports/audit-log.port.js';

const APPENDS = Number(process.env.BENCH_AUDIT_APPENDS ?? 4000);
const IN_FLIGHT = 16;
const ROUNDS = 3;
const QUERIES = 300;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The append before safe paging: one autocommitted INSERT, no lock. */
const plainAppend = (pool: Pool) => (e: AuditEntry) => pool.query({
  name: 'bench-plain-audit-append',
  text: `INSERT INTO security_audit (at, kind, peer, interface, detail) VALUES ($1, $2, $3, $4, $5)`,
  values: [e.at, e.kind, e.peer ?? null, e.interface ?? null, e.detail ?? null],
});

async function perSecond(appenders: ((e: AuditEntry) => Promise<unknown>)[]): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, w) => {
    while (next < APPENDS) {
      next++;
      await appenders[w % appenders.length]!({ at: new Date(), kind: 'disconnect.admitted', peer: 'mdm', interface: 'soap', detail: `bench ${next}` });
    }
  }));
  return APPENDS / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function msPerQuery(query: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < QUERIES; i++) await query();
  return Number(process.hrtime.bigint() - t0) / 1e6 / QUERIES;
}

export async function run(): Promise<Record<string, number | string>> {
  const url = process.env.DATABASE_URL;
  if (!url) return { skipped: 'DATABASE_URL not set' };
  const schema = `bench_audit_${process.pid}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pools = [openPostgres(url, schema), openPostgres(url, schema)];
  try {
    const logs = [await PgAuditLog.create(pools[0]!), await PgAuditLog.create(pools[1]!)];
    const plain = pools.map(plainAppend);
    const safe = logs.map((l) => (e: AuditEntry) => l.append(e));
    await perSecond(plain);
    await perSecond(safe);
    const rates = { plain: [] as number[], safe: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      rates.plain.push(await perSecond(plain));
      rates.safe.push(await perSecond(safe));
    }
    // A reader paging without pause meanwhile: each of its queries holds new appends back while it
    // waits for those in flight. Baseline: plain appends with a reader paging by plain selects (the
    // reader's own load on the machine, without the lock).
    const whileReading = async (append: ((e: AuditEntry) => Promise<unknown>)[], read: (after: number) => Promise<{ id: number }[]>) => {
      let reading = true;
      let reads = 0;
      const reader = (async () => {
        let after = 0;
        while (reading) {
          after = (await read(after)).at(-1)?.id ?? after;
          reads++;
        }
      })();
      const rate = await perSecond(append);
      reading = false;
      await reader;
      if (reads === 0) throw new Error('the reader never read');
      return rate;
    };
    const plainRead = async (after: number) => (await pools[1]!.query<{ id: string }>('SELECT * FROM security_audit WHERE id > $1 ORDER BY id LIMIT 1000', [after])).rows
      .map((r) => ({ id: Number(r.id) }));
    const reading = { plain: [] as number[], safe: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      reading.plain.push(await whileReading(plain, plainRead));
      reading.safe.push(await whileReading(safe, (after) => logs[1]!.query({ afterId: after, limit: 1000 })));
    }
    const selectOnly = () => pools[0]!.query('SELECT * FROM security_audit WHERE id > $1 ORDER BY id LIMIT 100', [APPENDS]);
    const latency = { plain: [] as number[], safe: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      latency.plain.push(await msPerQuery(selectOnly));
      latency.safe.push(await msPerQuery(() => logs[0]!.query({ afterId: APPENDS, limit: 100 })));
    }
    const [p, s] = [median(rates.plain), median(rates.safe)];
    const [qp, qs] = [median(latency.plain), median(latency.safe)];
    return {
      'appends/s, plain INSERT (median of 3)': Math.round(p),
      'appends/s, PgAuditLog.append (median of 3)': Math.round(s),
      'ratio append / plain': s / p,
      'appends/s, plain, a plain reader paging throughout': Math.round(median(reading.plain)),
      'appends/s, PgAuditLog, PgAuditLog.query paging throughout': Math.round(median(reading.safe)),
      'ratio with a reader, safe / plain': median(reading.safe) / median(reading.plain),
      'query ms, select only': qp,
      'query ms, PgAuditLog.query': qs,
      'ratio query / select only': qs / qp,
    };
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}
