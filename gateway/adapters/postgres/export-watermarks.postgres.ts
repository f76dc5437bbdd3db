import type { ExportResource, ExportWatermark, ExportWatermarks } from '../../ports/export-watermark.port.js';
import { migratePg, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'i8-004-export-watermarks',
  sql: `
    CREATE TABLE i7_watermarks (
      client_id TEXT NOT NULL, resource TEXT NOT NULL, seq BIGINT NOT NULL, at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (client_id, resource)
    );
  `,
}];

/** I7 clients' confirmed positions, shared by every instance (a client's requests may reach any of them). */
export class PgExportWatermarks implements ExportWatermarks {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PgExportWatermarks> {
    await migratePg(pool, MIGRATIONS);
    return new PgExportWatermarks(pool);
  }

  async confirm(clientId: string, resource: ExportResource, seq: number, at: Date): Promise<void> {
    await this.pool.query(`INSERT INTO i7_watermarks (client_id, resource, seq, at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (client_id, resource) DO UPDATE SET seq = excluded.seq, at = excluded.at`, [clientId, resource, seq, at]);
  }

  async list(): Promise<ExportWatermark[]> {
    return (await this.pool.query<{ client_id: string; resource: ExportResource; seq: string; at: Date }>(
      'SELECT client_id, resource, seq, at FROM i7_watermarks ORDER BY client_id COLLATE "C", resource COLLATE "C"')).rows
      .map((r) => ({ clientId: r.client_id, resource: r.resource, seq: Number(r.seq), at: r.at }));
  }
}
