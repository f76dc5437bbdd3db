import type { DeviceRef, MeterInfo } from '../../domain/meters/meter.js';
import { refKey } from '../../domain/meters/meter.js';
import { echoedAttributes } from '../../domain/meters/meter-attributes.js';
import type { MeterRegistry } from '../../ports/meter-registry.port.js';
import { isEmptyQuery, type ConcentratorRecord, type MeterQuery, type MeterRecord, type NetworkStore, type TransformerRecord, type UsagePointRecord } from '../../ports/network-store.port.js';
import { migrate, statements, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'network-001-topology',
  sql: `
    CREATE TABLE transformers (id TEXT PRIMARY KEY, feeder_id TEXT, name TEXT) WITHOUT ROWID;
    CREATE TABLE concentrators (id TEXT PRIMARY KEY, name TEXT, transformer_id TEXT, link TEXT) WITHOUT ROWID;
    CREATE TABLE usage_points (
      mrid TEXT PRIMARY KEY, names TEXT NOT NULL, service_location TEXT, customer_account TEXT,
      transformer_id TEXT, feeder_id TEXT
    ) WITHOUT ROWID;
    CREATE TABLE meters (
      mrid TEXT PRIMARY KEY, names TEXT NOT NULL, serial_number TEXT, manufacturer TEXT, model TEXT,
      status TEXT NOT NULL, usage_point_mrid TEXT, comm_path TEXT NOT NULL, concentrator_id TEXT
    ) WITHOUT ROWID;
    CREATE INDEX meters_usage_point ON meters (usage_point_mrid);
    CREATE INDEX meters_concentrator ON meters (concentrator_id);
    CREATE TABLE meter_names (name TEXT NOT NULL, mrid TEXT NOT NULL, PRIMARY KEY (name, mrid)) WITHOUT ROWID;
    CREATE INDEX usage_points_transformer ON usage_points (transformer_id);
  `,
}, {
  // attrs: the CIM attributes only echoed back (JSON). meter_names by mrid: re-provisioning
  // replaces a meter's names, which without it is a scan of every name per meter.
  name: 'network-002-meter-attributes',
  sql: `
    ALTER TABLE meters ADD COLUMN attrs TEXT;
    CREATE INDEX meter_names_mrid ON meter_names (mrid);
  `,
}];


interface MeterRow {
  mrid: string; names: string; serial_number: string | null; manufacturer: string | null; model: string | null;
  status: MeterRecord['status']; usage_point_mrid: string | null; comm_path: MeterRecord['commPath']; concentrator_id: string | null;
  transformer_id?: string | null; feeder_id?: string | null; attrs?: string | null;
}

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

function toRecord(r: MeterRow): MeterRecord {
  return {
    mRID: r.mrid, names: JSON.parse(r.names) as string[], status: r.status, commPath: r.comm_path,
    ...(r.serial_number ? { serialNumber: r.serial_number } : {}), ...(r.manufacturer ? { manufacturer: r.manufacturer } : {}),
    ...(r.model ? { model: r.model } : {}), ...(r.usage_point_mrid ? { usagePointMRID: r.usage_point_mrid } : {}),
    ...(r.concentrator_id ? { concentratorId: r.concentrator_id } : {}),
    ...(r.attrs ? (JSON.parse(r.attrs) as Partial<MeterRecord>) : {}),
  };
}

function toInfo(r: MeterRow): MeterInfo {
  const rec = toRecord(r);
  return {
    mRID: rec.mRID, names: rec.names, status: rec.status, commPath: rec.commPath,
    ...(rec.serialNumber ? { serialNumber: rec.serialNumber } : {}), ...(rec.usagePointMRID ? { usagePointMRID: rec.usagePointMRID } : {}),
    ...(rec.concentratorId ? { concentratorId: rec.concentratorId } : {}),
    ...(r.transformer_id ? { transformerId: r.transformer_id } : {}), ...(r.feeder_id ? { feederId: r.feeder_id } : {}),
  };
}

/** Meters with the transformer/feeder of their usage point joined in. */
const INFO = `SELECT m.*, u.transformer_id, u.feeder_id FROM meters m LEFT JOIN usage_points u ON u.mrid = m.usage_point_mrid`;

/** Topology and meters in the embedded store: the read port everyone uses and the write port provisioning uses. */
export class SqliteNetwork implements MeterRegistry, NetworkStore {
  /** Prepared once per SQL text: the look-ups run on every request (a meter named in an I8 query, a usage point's meters). */
  private readonly sql;

  constructor(private readonly db: Db) {
    migrate(db, MIGRATIONS);
    this.sql = statements(db);
  }

  async resolve(refs: DeviceRef[]): Promise<Map<string, MeterInfo | undefined>> {
    const byMrid = this.sql(`${INFO} WHERE m.mrid = ?`);
    const byName = this.sql(`${INFO} WHERE m.mrid = (SELECT mrid FROM meter_names WHERE name = ? LIMIT 1)`);
    const out = new Map<string, MeterInfo | undefined>();
    for (const ref of refs) {
      const row = (ref.mRID !== undefined ? byMrid.get(ref.mRID) : byName.get(ref.name ?? '')) as MeterRow | undefined;
      out.set(refKey(ref), row ? toInfo(row) : undefined);
    }
    return out;
  }

  async get(mRID: string): Promise<MeterInfo | undefined> {
    const row = this.sql(`${INFO} WHERE m.mrid = ?`).get(mRID) as MeterRow | undefined;
    return row ? toInfo(row) : undefined;
  }

  async byUsagePoint(usagePointMRID: string): Promise<MeterInfo[]> {
    return (this.sql(`${INFO} WHERE m.usage_point_mrid = ? ORDER BY m.mrid`).all(usagePointMRID) as MeterRow[]).map(toInfo);
  }

  async byConcentrator(concentratorId: string): Promise<MeterInfo[]> {
    return (this.sql(`${INFO} WHERE m.concentrator_id = ? ORDER BY m.mrid`).all(concentratorId) as MeterRow[]).map(toInfo);
  }

  async byTransformer(transformerId: string): Promise<MeterInfo[]> {
    return (this.sql(`${INFO} WHERE u.transformer_id = ? ORDER BY m.mrid`).all(transformerId) as MeterRow[]).map(toInfo);
  }

  /** A group is a concentrator or a transformer id (configured groups can be added the same way). */
  async group(groupId: string): Promise<MeterInfo[]> {
    const byConcentrator = await this.byConcentrator(groupId);
    return byConcentrator.length > 0 ? byConcentrator : this.byTransformer(groupId);
  }

  async upsertTransformers(items: TransformerRecord[]): Promise<void> {
    const stmt = this.sql(`INSERT INTO transformers (id, feeder_id, name) VALUES (?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET feeder_id = excluded.feeder_id, name = excluded.name`);
    this.db.transaction(() => items.forEach((t) => stmt.run(t.id, t.feederId ?? null, t.name ?? null)))();
  }

  async upsertConcentrators(items: ConcentratorRecord[]): Promise<void> {
    const stmt = this.sql(`INSERT INTO concentrators (id, name, transformer_id, link) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, transformer_id = excluded.transformer_id, link = excluded.link`);
    this.db.transaction(() => items.forEach((c) => stmt.run(c.id, c.name ?? null, c.transformerId ?? null, c.link ? JSON.stringify(c.link) : null)))();
  }

  async upsertUsagePoints(items: UsagePointRecord[]): Promise<void> {
    const stmt = this.sql(`INSERT INTO usage_points (mrid, names, service_location, customer_account, transformer_id, feeder_id)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (mrid) DO UPDATE SET names = excluded.names, service_location = excluded.service_location,
      customer_account = excluded.customer_account, transformer_id = excluded.transformer_id, feeder_id = excluded.feeder_id`);
    this.db.transaction(() => items.forEach((u) => stmt.run(u.mRID, JSON.stringify(u.names), u.serviceLocation ?? null,
      u.customerAccount ?? null, u.transformerId ?? null, u.feederId ?? null)))();
  }

  async upsertMeters(items: MeterRecord[]): Promise<void> {
    const stmt = this.sql(`INSERT INTO meters (mrid, names, serial_number, manufacturer, model, status, usage_point_mrid, comm_path, concentrator_id, attrs)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mrid) DO UPDATE SET names = excluded.names, serial_number = excluded.serial_number,
      manufacturer = excluded.manufacturer, model = excluded.model, status = excluded.status, usage_point_mrid = excluded.usage_point_mrid,
      comm_path = excluded.comm_path, concentrator_id = excluded.concentrator_id, attrs = excluded.attrs`);
    const clearNames = this.sql('DELETE FROM meter_names WHERE mrid = ?');
    const addName = this.sql('INSERT OR IGNORE INTO meter_names (name, mrid) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const m of items) {
        stmt.run(m.mRID, JSON.stringify(m.names), m.serialNumber ?? null, m.manufacturer ?? null, m.model ?? null, m.status,
          m.usagePointMRID ?? null, m.commPath, m.concentratorId ?? null, echoedAttributes(m));
        clearNames.run(m.mRID);
        for (const n of m.names) addName.run(n, m.mRID);
      }
    })();
  }

  async meterRecord(mRID: string): Promise<MeterRecord | undefined> {
    const row = this.sql('SELECT * FROM meters WHERE mrid = ?').get(mRID) as MeterRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  async usagePoint(mRID: string): Promise<UsagePointRecord | undefined> {
    return (await this.usagePoints([mRID]))[0];
  }

  async usagePoints(mRIDs: string[]): Promise<UsagePointRecord[]> {
    const rows = this.sql('SELECT * FROM usage_points WHERE mrid IN (SELECT value FROM json_each(?)) ORDER BY mrid').all(JSON.stringify(mRIDs)) as
      { mrid: string; names: string; service_location: string | null; customer_account: string | null; transformer_id: string | null; feeder_id: string | null }[];
    return rows.map((r) => {
      const u: UsagePointRecord = { mRID: r.mrid, names: JSON.parse(r.names) as string[] };
      if (r.service_location) u.serviceLocation = r.service_location;
      if (r.customer_account) u.customerAccount = r.customer_account;
      if (r.transformer_id) u.transformerId = r.transformer_id;
      if (r.feeder_id) u.feederId = r.feeder_id;
      return u;
    });
  }

  async transformers(): Promise<TransformerRecord[]> {
    const rows = this.sql('SELECT * FROM transformers ORDER BY id').all() as { id: string; feeder_id: string | null; name: string | null }[];
    return rows.map((r) => ({ id: r.id, ...(r.feeder_id ? { feederId: r.feeder_id } : {}), ...(r.name ? { name: r.name } : {}) }));
  }

  /** Arrays go in as one JSON parameter each: a 50,000-meter check stays one statement. */
  async queryMeters(q: MeterQuery, limit: number, afterMRID?: string): Promise<MeterRecord[]> {
    const any = (c: string[] | undefined) => (c && c.length > 0 ? JSON.stringify(c) : null);
    const conds = isEmptyQuery(q) ? '1' : `(m.mrid IN (SELECT value FROM json_each(:mrids))
      OR m.mrid IN (SELECT n.mrid FROM meter_names n WHERE n.name IN (SELECT value FROM json_each(:names)))
      OR m.usage_point_mrid IN (SELECT value FROM json_each(:ups))
      OR m.concentrator_id IN (SELECT value FROM json_each(:dcs))
      OR m.usage_point_mrid IN (SELECT u.mrid FROM usage_points u WHERE u.transformer_id IN (SELECT value FROM json_each(:trs))))`;
    const rows = this.sql(`SELECT m.* FROM meters m WHERE m.mrid > :after AND ${conds} ORDER BY m.mrid LIMIT :limit`).all({
      after: afterMRID ?? '', limit,
      ...(isEmptyQuery(q) ? {} : { mrids: any(q.mRIDs) ?? '[]', names: any(q.names) ?? '[]', ups: any(q.usagePointMRIDs) ?? '[]', dcs: any(q.concentratorIds) ?? '[]', trs: any(q.transformerIds) ?? '[]' }),
    }) as MeterRow[];
    return rows.map(toRecord);
  }

  async concentrators(): Promise<ConcentratorRecord[]> {
    const rows = this.sql('SELECT * FROM concentrators ORDER BY id').all() as { id: string; name: string | null; transformer_id: string | null; link: string | null }[];
    return rows.map((r) => ({ id: r.id, ...(r.name ? { name: r.name } : {}), ...(r.transformer_id ? { transformerId: r.transformer_id } : {}), ...(r.link ? { link: JSON.parse(r.link) as Record<string, number | string> } : {}) }));
  }

  async listMeters(limit: number, afterMRID?: string): Promise<MeterRecord[]> {
    return (this.sql('SELECT * FROM meters WHERE mrid > ? ORDER BY mrid LIMIT ?').all(afterMRID ?? '', limit) as MeterRow[]).map(toRecord);
  }

  async countMeters(): Promise<number> {
    return (this.sql('SELECT COUNT(*) AS n FROM meters').get() as { n: number }).n;
  }
}
