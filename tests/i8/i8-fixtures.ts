import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { parse } from 'yaml';
import { repoRoot } from '../../gateway/config/config.js';
import type { Reading } from '../../gateway/domain/readings/reading.js';
import type { DataScope } from '../../gateway/ports/client-registry.port.js';
import { registerClient } from '../../gateway/i8/register-client.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';

export const KWH = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
export const VOLT_A = '0.0.0.6.0.1.54.0.0.0.0.0.0.0.129.0.29.0';
export const T0 = Date.parse('2026-03-01T03:00:00Z');
export const Q = 15 * 60_000;
export const ALL_SCOPES = ['readings:read', 'events:read', 'interruptions:read', 'reports:read'];

/** Three usage points with one meter each: UP-1/M-1, UP-2/M-2, UP-3/M-3. */
export async function provision(gw: TestGateway): Promise<void> {
  const net = gw.deps.network;
  await net.upsertUsagePoints(['UP-1', 'UP-2', 'UP-3'].map((mRID) => ({ mRID, names: [`name-${mRID}`] })));
  await net.upsertMeters(['1', '2', '3'].map((n) => ({ mRID: `M-${n}`, names: [`SN-${n}`], status: 'in-service' as const, usagePointMRID: `UP-${n}`, commPath: 'point-to-point' as const })));
}

export async function ingest(gw: TestGateway, readings: Reading[], messageId = 'm'): Promise<void> {
  const store = gw.deps.readings;
  const id = await store.beginIngest({ source: 'HES', messageId, receivedAt: new Date(T0) });
  await store.stage(id, readings);
  await store.commitIngest(id);
}

export const kwh = (meter: string, i: number, value = i / 10): Reading => ({ meter, readingType: KWH, timestamp: T0 + i * Q, value, qualities: [], kind: 'interval' });

export async function client(gw: TestGateway, id: string, dataScope: DataScope, scopes = ALL_SCOPES): Promise<string> {
  const { secret } = await registerClient(gw.i8!.deps.clients, { id, scopes, dataScope }, new Date());
  const res = await request(gw.app).post('/i8/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: id, client_secret: secret });
  if (res.status !== 200) throw new Error(`token for ${id}: ${res.status} ${res.text}`);
  return (res.body as { access_token: string }).access_token;
}

export async function i8Gateway(overrides: Record<string, unknown> = {}): Promise<TestGateway> {
  const gw = testGateway(overrides);
  await provision(gw);
  return gw;
}

/** Validates bodies against openapi/i8.yaml's component schemas (OpenAPI 3.1 = JSON Schema 2020-12). */
export function specValidator(): (schema: string, body: unknown) => string[] {
  const spec = parse(readFileSync(path.join(repoRoot, 'openapi', 'i8.yaml'), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ $id: 'i8', components: spec.components }, 'i8');
  return (schema, body) => {
    const validate = ajv.getSchema(`i8#/components/schemas/${schema}`);
    if (!validate) throw new Error(`no schema ${schema}`);
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

/** RFC 4180 CSV → records keyed by the header (csv-parse is not a dependency; this is enough for tests). */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  const [header, ...data] = rows;
  return data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}
