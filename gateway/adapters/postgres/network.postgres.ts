import type { DeviceRef, MeterInfo } from '../../domain/meters/meter.js';
import { refKey } from '../../domain/meters/meter.js';
import { echoedAttributes } from '../../domain/meters/meter-attributes.js';
import type { MeterRegistry } from '../../ports/meter-registry.port.js';
import { isEmptyQuery, type ConcentratorRecord, type MeterQuery, type MeterRecord, type NetworkStore, type TransformerRecord, type UsagePointRecord } from '../../ports/network-store.port.js';
import { StatementBatch } from './statement-batch.js';
import { migratePg, transaction, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'network-001-topology',
  sql: `
    CREATE TABLE transformers (id TEXT PRIMARY KEY, feeder_id TEXT, name TEXT);
    CREATE TABLE concentrators (id TEXT PRIMARY KEY, name TEXT, transformer_id TEXT, link JSONB);
    CREATE TABLE usage_points (mrid TEXT PRIMARY KEY, names JSONB NOT NULL, service_location TEXT, customer_account TEXT, transformer_id TEXT, feeder_id TEXT);
    CREATE TABLE meters (
      mrid TEXT PRIMARY KEY, names JSONB NOT NULL, serial_number TEXT, manufacturer TEXT, model TEXT,
      status TEXT NOT NULL, usage_point_mrid TEXT, comm_path TEXT NOT NULL, concentrator_id TEXT
    );
    CREATE INDEX meters_usage_point ON meters (usage_point_mrid);
    CREATE INDEX meters_concentrator ON meters (concentrator_id);
    CREATE TABLE meter_names (name TEXT NOT NULL, mrid TEXT NOT NULL, PRIMARY KEY (name, mrid));
    CREATE INDEX usage_points_transformer ON usage_points (transformer_id);
  `,
}, {
  name: 'network-002-meter-attributes',
  sql: `
    ALTER TABLE meters ADD COLUMN attrs JSONB;
    CREATE INDEX meter_names_mrid ON meter_names (mrid);
  `,
}];

interface MeterRow {
  mrid: string; names: string[]; serial_number: string | null; manufacturer: string | null; model: string | null;
  status: MeterRecord['status']; usage_point_mrid: string | null; comm_path: MeterRecord['commPath']; concentrator_id: string | null;
  transformer_id?: string | null; feeder_id?: string | null; attrs?: Partial<MeterRecord> | null;
}

function toRecord(r: MeterRow): MeterRecord {
  return {
    mRID: r.mrid, names: r.names, status: r.status, commPath: r.comm_path,
    ...(r.serial_number ? { serialNumber: r.serial_number } : {}), ...(r.manufacturer ? { manufacturer: r.manufacturer } : {}),
    ...(r.model ? { model: r.model } : {}), ...(r.usage_point_mrid ? { usagePointMRID: r.usage_point_mrid } : {}),
    ...(r.concentrator_id ? { concentratorId: r.concentrator_id } : {}),
    ...(r.attrs ?? {}),
  };
}

function toInfo(r: MeterRow): MeterInfo {
  const { manufacturer: _m, model: _mo, amrSystem: _a, meterType: _t, communicationTechnology: _c, comModuleMRID: _cm, statusAt: _s, statusReason: _sr, ...rest } = toRecord(r);
  return { ...rest, ...(r.transformer_id ? { transformerId: r.transformer_id } : {}), ...(r.feeder_id ? { feederId: r.feeder_id } : {}) };
}

const INFO = `SELECT m.*, u.transformer_id, u.feeder_id FROM meters m LEFT JOIN usage_points u ON u.mrid = m.usage_point_mrid`;

/** Topology and meters on PostgreSQL; bulk writes go as one statement over arrays (unnest), not row by row. */
export class PgNetwork implements MeterRegistry, NetworkStore {
  /** Lookups by mRID (every command request resolves its meters) made in one loop turn: one SELECT. */
  private readonly byMrids: StatementBatch<string[], MeterInfo[]>;

  private constructor(private readonly pool: Pool) {
    const lookup = (mrids: string[]) => this.rows({ name: 'meters-by-mrid', text: `${INFO} WHERE m.mrid = ANY($1)` }, [mrids]);
    this.byMrids = new StatementBatch(lookup, async (lists) => {
      const found = new Map((await lookup([...new Set(lists.flat())])).map((m) => [m.mRID, m]));
      return lists.map((l) => l.flatMap((id) => found.get(id) ?? []));
    });
  }

  static async create(pool: Pool): Promise<PgNetwork> {
    await migratePg(pool, MIGRATIONS);
    return new PgNetwork(pool);
  }

  private async rows(sql: string | { name: string; text: string }, params: unknown[]): Promise<MeterInfo[]> {
    return (await this.pool.query<MeterRow>(typeof sql === 'string' ? { text: sql, values: params } : { ...sql, values: params })).rows.map(toInfo);
  }

  async resolve(refs: DeviceRef[]): Promise<Map<string, MeterInfo | undefined>> {
    const mrids = refs.filter((r) => r.mRID !== undefined).map((r) => r.mRID!);
    const names = refs.filter((r) => r.mRID === undefined).map((r) => r.name ?? '');
    // Only the lookups that have something to look up: a request naming meters by mRID (the usual
    // case, once per command request) is one round trip, not three.
    const byMrid = new Map(mrids.length === 0 ? [] : (await this.byMrids.run(mrids)).map((m) => [m.mRID, m]));
    const named = names.length === 0 ? [] : (await this.pool.query<{ name: string; mrid: string }>(
      'SELECT DISTINCT ON (name) name, mrid FROM meter_names WHERE name = ANY($1)', [names])).rows;
    const namedInfo = new Map(named.length === 0 ? [] : (await this.rows(`${INFO} WHERE m.mrid = ANY($1)`, [named.map((r) => r.mrid)])).map((m) => [m.mRID, m]));
    const byName = new Map(named.map((r) => [r.name, namedInfo.get(r.mrid)]));
    return new Map(refs.map((r) => [refKey(r), r.mRID !== undefined ? byMrid.get(r.mRID) : byName.get(r.name ?? '')]));
  }

  async get(mRID: string): Promise<MeterInfo | undefined> {
    return (await this.rows(`${INFO} WHERE m.mrid = $1`, [mRID]))[0];
  }

  byUsagePoint(id: string): Promise<MeterInfo[]> {
    return this.rows(`${INFO} WHERE m.usage_point_mrid = $1 ORDER BY m.mrid COLLATE "C"`, [id]);
  }

  byConcentrator(id: string): Promise<MeterInfo[]> {
    return this.rows(`${INFO} WHERE m.concentrator_id = $1 ORDER BY m.mrid COLLATE "C"`, [id]);
  }

  byTransformer(id: string): Promise<MeterInfo[]> {
    return this.rows(`${INFO} WHERE u.transformer_id = $1 ORDER BY m.mrid COLLATE "C"`, [id]);
  }

  async group(groupId: string): Promise<MeterInfo[]> {
    const byConcentrator = await this.byConcentrator(groupId);
    return byConcentrator.length > 0 ? byConcentrator : this.byTransformer(groupId);
  }

  async upsertTransformers(items: TransformerRecord[]): Promise<void> {
    await this.pool.query(`INSERT INTO transformers (id, feeder_id, name) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
      ON CONFLICT (id) DO UPDATE SET feeder_id = excluded.feeder_id, name = excluded.name`,
    [items.map((t) => t.id), items.map((t) => t.feederId ?? null), items.map((t) => t.name ?? null)]);
  }

  async upsertConcentrators(items: ConcentratorRecord[]): Promise<void> {
    await this.pool.query(`INSERT INTO concentrators (id, name, transformer_id, link) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, transformer_id = excluded.transformer_id, link = excluded.link`,
    [items.map((c) => c.id), items.map((c) => c.name ?? null), items.map((c) => c.transformerId ?? null), items.map((c) => (c.link ? JSON.stringify(c.link) : null))]);
  }

  async upsertUsagePoints(items: UsagePointRecord[]): Promise<void> {
    await this.pool.query(`INSERT INTO usage_points (mrid, names, service_location, customer_account, transformer_id, feeder_id)
      SELECT * FROM unnest($1::text[], $2::jsonb[], $3::text[], $4::text[], $5::text[], $6::text[])
      ON CONFLICT (mrid) DO UPDATE SET names = excluded.names, service_location = excluded.service_location,
        customer_account = excluded.customer_account, transformer_id = excluded.transformer_id, feeder_id = excluded.feeder_id`,
    [items.map((u) => u.mRID), items.map((u) => JSON.stringify(u.names)), items.map((u) => u.serviceLocation ?? null),
      items.map((u) => u.customerAccount ?? null), items.map((u) => u.transformerId ?? null), items.map((u) => u.feederId ?? null)]);
  }

  async upsertMeters(items: MeterRecord[]): Promise<void> {
    await transaction(this.pool, async (c) => {
      await c.query(`INSERT INTO meters (mrid, names, serial_number, manufacturer, model, status, usage_point_mrid, comm_path, concentrator_id, attrs)
        SELECT * FROM unnest($1::text[], $2::jsonb[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
        ON CONFLICT (mrid) DO UPDATE SET names = excluded.names, serial_number = excluded.serial_number, manufacturer = excluded.manufacturer,
          model = excluded.model, status = excluded.status, usage_point_mrid = excluded.usage_point_mrid, comm_path = excluded.comm_path,
          concentrator_id = excluded.concentrator_id, attrs = excluded.attrs`,
      [items.map((m) => m.mRID), items.map((m) => JSON.stringify(m.names)), items.map((m) => m.serialNumber ?? null),
        items.map((m) => m.manufacturer ?? null), items.map((m) => m.model ?? null), items.map((m) => m.status),
        items.map((m) => m.usagePointMRID ?? null), items.map((m) => m.commPath), items.map((m) => m.concentratorId ?? null), items.map(echoedAttributes)]);
      await c.query('DELETE FROM meter_names WHERE mrid = ANY($1)', [items.map((m) => m.mRID)]);
      const pairs = items.flatMap((m) => m.names.map((n) => [n, m.mRID] as const));
      await c.query('INSERT INTO meter_names (name, mrid) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING',
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
    });
  }

  async meterRecord(mRID: string): Promise<MeterRecord | undefined> {
    const row = (await this.pool.query<MeterRow>('SELECT * FROM meters WHERE mrid = $1', [mRID])).rows[0];
    return row ? toRecord(row) : undefined;
  }

  async usagePoint(mRID: string): Promise<UsagePointRecord | undefined> {
    return (await this.usagePoints([mRID]))[0];
  }

  async usagePoints(mRIDs: string[]): Promise<UsagePointRecord[]> {
    const rows = (await this.pool.query<{ mrid: string; names: string[]; service_location: string | null; customer_account: string | null; transformer_id: string | null; feeder_id: string | null }>(
      'SELECT * FROM usage_points WHERE mrid = ANY($1) ORDER BY mrid COLLATE "C"', [mRIDs])).rows;
    return rows.map((r) => ({
      mRID: r.mrid, names: r.names, ...(r.service_location ? { serviceLocation: r.service_location } : {}),
      ...(r.customer_account ? { customerAccount: r.customer_account } : {}), ...(r.transformer_id ? { transformerId: r.transformer_id } : {}),
      ...(r.feeder_id ? { feederId: r.feeder_id } : {}),
    }));
  }

  async transformers(): Promise<TransformerRecord[]> {
    const rows = (await this.pool.query<{ id: string; feeder_id: string | null; name: string | null }>('SELECT * FROM transformers ORDER BY id COLLATE "C"')).rows;
    return rows.map((r) => ({ id: r.id, ...(r.feeder_id ? { feederId: r.feeder_id } : {}), ...(r.name ? { name: r.name } : {}) }));
  }

  async queryMeters(q: MeterQuery, limit: number, afterMRID?: string): Promise<MeterRecord[]> {
    const conds = isEmptyQuery(q) ? 'TRUE' : `(m.mrid = ANY($3) OR m.mrid IN (SELECT n.mrid FROM meter_names n WHERE n.name = ANY($4))
      OR m.usage_point_mrid = ANY($5) OR m.concentrator_id = ANY($6)
      OR m.usage_point_mrid IN (SELECT u.mrid FROM usage_points u WHERE u.transformer_id = ANY($7)))`;
    const params: unknown[] = [afterMRID ?? '', limit];
    if (!isEmptyQuery(q)) params.push(q.mRIDs ?? [], q.names ?? [], q.usagePointMRIDs ?? [], q.concentratorIds ?? [], q.transformerIds ?? []);
    return (await this.pool.query<MeterRow>(`SELECT m.* FROM meters m WHERE m.mrid COLLATE "C" > $1 AND ${conds} ORDER BY m.mrid COLLATE "C" LIMIT $2`, params)).rows.map(toRecord);
  }

  async concentrators(): Promise<ConcentratorRecord[]> {
    const rows = (await this.pool.query<{ id: string; name: string | null; transformer_id: string | null; link: Record<string, number | string> | null }>(
      'SELECT * FROM concentrators ORDER BY id')).rows;
    return rows.map((r) => ({ id: r.id, ...(r.name ? { name: r.name } : {}), ...(r.transformer_id ? { transformerId: r.transformer_id } : {}), ...(r.link ? { link: r.link } : {}) }));
  }

  async listMeters(limit: number, afterMRID?: string): Promise<MeterRecord[]> {
    return (await this.pool.query<MeterRow>('SELECT * FROM meters WHERE mrid COLLATE "C" > $1 ORDER BY mrid COLLATE "C" LIMIT $2', [afterMRID ?? '', limit])).rows.map(toRecord);
  }

  async countMeters(): Promise<number> {
    return Number((await this.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM meters')).rows[0]!.n);
  }
}
