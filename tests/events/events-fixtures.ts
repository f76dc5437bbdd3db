import request from 'supertest';
import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import type { Clock } from '../../gateway/ports/clock.port.js';
import type { TestGateway } from '../helpers/gateway.js';
import { message } from '../helpers/messages.js';

export const EDE = 'http://iec.ch/TC57/2011/EndDeviceEvents#';
export const T0 = Date.parse('2026-11-20T14:30:00-03:00');

/** A clock tests move by hand: outage thresholds are judged on it, never on real time. */
export function manualClock(start = T0): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), set: (ms) => (now = ms), advance: (ms) => (now += ms) };
}

/**
 * Topology: transformer TR-1 feeds usage points UP-1..UP-10 whose meters MTR-1..MTR-10 hang on
 * concentrator DC-1; MTR-11 is point-to-point with no transformer (a group of its own).
 */
export async function provision(gw: TestGateway): Promise<void> {
  const net = new SqliteNetwork(gw.db);
  await net.upsertTransformers([{ id: 'TR-1' }]);
  await net.upsertConcentrators([{ id: 'DC-1', transformerId: 'TR-1' }]);
  await net.upsertUsagePoints(Array.from({ length: 10 }, (_, i) => ({ mRID: `UP-${i + 1}`, names: [], transformerId: 'TR-1' })));
  await net.upsertMeters([
    ...Array.from({ length: 10 }, (_, i) => ({ mRID: `MTR-${i + 1}`, names: [`SN-${i + 1}`], status: 'in-service' as const, commPath: 'concentrator' as const, concentratorId: 'DC-1', usagePointMRID: `UP-${i + 1}` })),
    { mRID: 'MTR-11', names: ['SN-11'], status: 'in-service' as const, commPath: 'point-to-point' as const },
  ]);
}

export interface Ev {
  meter: string;
  code: string;
  at: number;
  mRID?: string;
  details?: [string, string][];
  reason?: string;
}

export const off = (meter: string, at: number, mRID?: string): Ev => ({ meter, code: '3.26.0.85', at, ...(mRID ? { mRID } : {}) });
export const on = (meter: string, at: number, mRID?: string): Ev => ({ meter, code: '3.26.0.216', at, ...(mRID ? { mRID } : {}) });

export function edePayload(events: Ev[]): string {
  const items = events.map((e) => `<e:EndDeviceEvent><e:createdDateTime>${new Date(e.at).toISOString()}</e:createdDateTime>${e.mRID ? `<e:mRID>${e.mRID}</e:mRID>` : ''}${e.reason ? `<e:reason>${e.reason}</e:reason>` : ''}<e:Assets><e:mRID>${e.meter}</e:mRID></e:Assets>${(e.details ?? []).map(([n, v]) => `<e:EndDeviceEventDetails><e:name>${n}</e:name><e:value>${v}</e:value></e:EndDeviceEventDetails>`).join('')}<e:EndDeviceEventType ref="${e.code}"/></e:EndDeviceEvent>`).join('');
  return `<m:Payload><e:EndDeviceEvents xmlns:e="${EDE}">${items}</e:EndDeviceEvents></m:Payload>`;
}

let seq = 0;
/** POSTs a created EndDeviceEvents EventMessage from the HES over REST. */
export function pushEvents(gw: TestGateway, events: Ev[], messageId = `hes-${++seq}`) {
  const xml = message('EventMessage', { verb: 'created', noun: 'EndDeviceEvents', source: 'HES', messageId }, edePayload(events));
  return request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
}

/** Runs worker passes until the outbox has nothing due (one entry per ordering key goes per pass). */
export async function settle(gw: TestGateway, passes = 40): Promise<void> {
  for (let i = 0; i < passes; i++) {
    await gw.drain();
    const pending = gw.db.prepare(`SELECT count(*) AS n FROM outbox WHERE state = 'pending'`).get() as { n: number };
    if (pending.n === 0) return;
  }
}
