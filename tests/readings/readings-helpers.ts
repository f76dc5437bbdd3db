import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import type { TestGateway } from '../helpers/gateway.js';
import { message, type HeaderFields } from '../helpers/messages.js';

export const KWH = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
export const KWH_RECEIVED = '0.0.2.4.19.1.12.0.0.0.0.0.0.0.0.3.72.0';
export const VOLT_A = '0.0.0.6.0.1.54.0.0.0.0.0.0.0.129.0.29.0';
export const MR_NS = 'http://iec.ch/TC57/2011/MeterReadings#';
export const GMR_NS = 'http://iec.ch/TC57/2011/GetMeterReadings#';

/** Provisions meters through the real network store (what MeterConfig will do). */
export async function provision(gw: TestGateway, meters: { mRID: string; names?: string[]; usagePoint?: string }[]): Promise<void> {
  const network = new SqliteNetwork(gw.db);
  await network.upsertMeters(meters.map((m) => ({ mRID: m.mRID, names: m.names ?? [], status: 'in-service', commPath: 'concentrator', ...(m.usagePoint ? { usagePointMRID: m.usagePoint } : {}) })));
}

export interface IntervalSpec { ts: string; value?: number; qualities?: string[] }

/** One MeterReading with one IntervalBlocks per reading type, optional register Readings. */
export function meterReading(meter: string, blocks: { type: string; readings: IntervalSpec[] }[], registers: { type: string; ts: string; value: number }[] = []): string {
  const ir = (r: IntervalSpec) => `<IntervalReadings><timeStamp>${r.ts}</timeStamp>${r.value === undefined ? '' : `<value>${r.value}</value>`}${(r.qualities ?? []).map((q) => `<ReadingQualities><ReadingQualityType ref="${q}"/></ReadingQualities>`).join('')}</IntervalReadings>`;
  return `<MeterReading>${blocks.map((b) => `<IntervalBlocks>${b.readings.map(ir).join('')}<ReadingType ref="${b.type}"/></IntervalBlocks>`).join('')}<Meter><mRID>${meter}</mRID></Meter>${registers.map((r) => `<Readings><timeStamp>${r.ts}</timeStamp><value>${r.value}</value><ReadingType ref="${r.type}"/></Readings>`).join('')}</MeterReading>`;
}

/** A day of 15-minute kWh for a meter starting at 2026-11-19T03:00Z (values i/1000). */
export function dayOfKwh(meter: string, count = 96, scale = 1): string {
  const t0 = Date.parse('2026-11-19T03:00:00Z');
  return meterReading(meter, [{ type: KWH, readings: Array.from({ length: count }, (_, i) => ({ ts: new Date(t0 + (i + 1) * 900_000).toISOString(), value: ((i + 1) * scale) / 1000 })) }]);
}

export function createdReadings(h: HeaderFields, ...meterReadings: string[]): string {
  return message('EventMessage', { verb: 'created', noun: 'MeterReadings', source: 'HES', ...h },
    `<m:Payload><MeterReadings xmlns="${MR_NS}">\n${meterReadings.join('\n')}\n</MeterReadings></m:Payload>`);
}

export function getReadingsRequest(h: HeaderFields, selection: string, request: { start?: string; end?: string; options?: Record<string, string> } = {}): string {
  const opts = Object.entries(request.options ?? {}).map(([n, v]) => `<m:Option><m:name>${n}</m:name><m:value>${v}</m:value></m:Option>`).join('');
  return message('RequestMessage', { verb: 'get', noun: 'MeterReadings', ...h },
    `<m:Request>${request.start ? `<m:StartTime>${request.start}</m:StartTime>` : ''}${request.end ? `<m:EndTime>${request.end}</m:EndTime>` : ''}${opts}<g:GetMeterReadings xmlns:g="${GMR_NS}">${selection}</g:GetMeterReadings></m:Request>`);
}

/** Values of IntervalReadings/Readings in a response, in document order, as [timeStamp, value] pairs. */
export function valuesOf(xml: string): [string, string | undefined][] {
  return [...xml.matchAll(/<(?:\w+:)?timeStamp>([^<]*)<\/(?:\w+:)?timeStamp>(?:<(?:\w+:)?value>([^<]*)<\/(?:\w+:)?value>)?/g)].map((m) => [m[1]!, m[2]]);
}
