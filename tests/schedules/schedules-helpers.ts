import request from 'supertest';
import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import type { MeterRecord } from '../../gateway/ports/network-store.port.js';
import { testGateway } from '../helpers/gateway.js';
import { message } from '../helpers/messages.js';
import { manualClock } from '../hes/sim-fixture.js';

export const MRS = 'http://iec.ch/TC57/2011/MeterReadSchedules#';
export const T0 = Date.parse('2026-11-20T12:00:00Z');
export const MIN = 60_000;

export interface ScheduleXml {
  mRID?: string;
  readingTypes?: string[];
  pattern?: string;
  period?: number;
  start: string;
  end?: string;
  devices?: string[];
  groups?: string[];
}

/** A MeterReadSchedules payload in the schema's element order. */
export function mrsPayload(items: ScheduleXml[], prefix = 'm'): string {
  const one = (s: ScheduleXml) => '<s:MeterReadSchedule>' + (s.mRID ? `<s:mRID>${s.mRID}</s:mRID>` : '')
    + (s.readingTypes ?? []).map((r) => `<s:ReadingType ref="${r}"/>`).join('')
    + '<s:TimeSchedule>' + (s.pattern ? `<s:recurrencePattern>${s.pattern}</s:recurrencePattern>` : '') + (s.period ? `<s:recurrencePeriod>${s.period}</s:recurrencePeriod>` : '')
    + `<s:scheduleInterval><s:start>${s.start}</s:start>${s.end ? `<s:end>${s.end}</s:end>` : ''}</s:scheduleInterval></s:TimeSchedule>`
    + (s.devices ?? []).map((d) => `<s:EndDevices><s:mRID>${d}</s:mRID></s:EndDevices>`).join('')
    + (s.groups ?? []).map((g) => `<s:EndDeviceGroups><s:mRID>${g}</s:mRID></s:EndDeviceGroups>`).join('') + '</s:MeterReadSchedule>';
  return `<${prefix}:Payload><s:MeterReadSchedules xmlns:s="${MRS}">${items.map(one).join('')}</s:MeterReadSchedules></${prefix}:Payload>`;
}

export const mrsRequest = (verb: 'create' | 'cancel', messageId: string, items: ScheduleXml[]) =>
  message('RequestMessage', { verb, noun: 'MeterReadSchedules', messageId }, mrsPayload(items));

/**
 * A gateway on a manual clock with the embedded simulator, no demo plans, meters provisioned in the
 * network store and in the simulator at T0 (as create MeterConfig does), concentrator DC-1 with M-C1, M-C2.
 */
export async function schedulesGateway(overrides: Record<string, unknown> = {}) {
  const clock = manualClock(T0);
  const gw = testGateway({ demo: { enabled: false }, ...overrides }, { clock });
  const network = new SqliteNetwork(gw.db);
  await network.upsertConcentrators([{ id: 'DC-1', name: 'Concentrador 1' }, { id: 'DC-BAD', name: 'Concentrador lejano' }]);
  const p2p = (mRID: string): MeterRecord => ({ mRID, names: [`SN-${mRID}`], status: 'in-service', commPath: 'point-to-point' });
  const plc = (mRID: string, concentratorId: string): MeterRecord => ({ ...p2p(mRID), commPath: 'concentrator', concentratorId });
  const meters = [p2p('M-1'), p2p('M-2'), p2p('M-3'), plc('M-C1', 'DC-1'), plc('M-C2', 'DC-1'), plc('M-B1', 'DC-BAD')];
  await network.upsertMeters(meters);
  for (const m of meters) await gw.commands.hes.provision({ mRID: m.mRID, commPath: m.commPath, ...(m.concentratorId ? { concentratorId: m.concentratorId } : {}) });
  const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
  const readingsOf = (meters: string[]) => gw.deps.readings.read({ meters }, { offset: 0, limit: 10_000 });
  return { gw, clock, network, post, readingsOf, sim: gw.commands.simulator!, close: () => gw.close() };
}
