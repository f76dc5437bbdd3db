import type { ExportResource, ExportWatermark, ExportWatermarks } from '../../ports/export-watermark.port.js';
import { migrate, statements, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'i8-004-export-watermarks',
  sql: `
    CREATE TABLE i7_watermarks (
      client_id TEXT NOT NULL, resource TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
      PRIMARY KEY (client_id, resource)
    ) WITHOUT ROWID;
  `,
}];

export class SqliteExportWatermarks implements ExportWatermarks {
  /** confirm runs on every I7 request: prepared once. */
  private readonly sql;

  constructor(db: Db) {
    migrate(db, MIGRATIONS);
    this.sql = statements(db);
  }

  async confirm(clientId: string, resource: ExportResource, seq: number, at: Date): Promise<void> {
    this.sql(`INSERT INTO i7_watermarks (client_id, resource, seq, at) VALUES (?, ?, ?, ?)
      ON CONFLICT (client_id, resource) DO UPDATE SET seq = excluded.seq, at = excluded.at`).run(clientId, resource, seq, at.getTime());
  }

  async list(): Promise<ExportWatermark[]> {
    return (this.sql('SELECT client_id, resource, seq, at FROM i7_watermarks ORDER BY client_id, resource').all() as { client_id: string; resource: ExportResource; seq: number; at: number }[])
      .map((r) => ({ clientId: r.client_id, resource: r.resource, seq: r.seq, at: new Date(r.at) }));
  }
}
