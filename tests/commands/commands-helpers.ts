import request from 'supertest';
import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import type { MeterRecord } from '../../gateway/ports/network-store.port.js';
import { receiver, testGateway, type TestGateway } from '../helpers/gateway.js';
import { message } from '../helpers/messages.js';
import { manualClock } from '../hes/sim-fixture.js';

export const EDC = 'http://iec.ch/TC57/2011/EndDeviceControls#';

export interface Control {
  mRID?: string;
  type: string;
  reason?: string;
  devices?: string[];
  names?: string[];
  groups?: string[];
  window?: { start?: string; end?: string; as?: 'primaryDeviceTiming' | 'scheduledInterval' };
  loadLimit?: { value: number; unit?: string };
}

/** An EndDeviceControls payload in the element order of the schema. */
export function edcPayload(controls: Control[]): string {
  const ctl = (c: Control) => {
    const w = c.window;
    const interval = w ? `${w.start ? `<c:start>${w.start}</c:start>` : ''}${w.end ? `<c:end>${w.end}</c:end>` : ''}` : '';
    return `<c:EndDeviceControl>${c.mRID ? `<c:mRID>${c.mRID}</c:mRID>` : ''}${c.reason ? `<c:reason>${c.reason}</c:reason>` : ''}`
      + (c.loadLimit ? `<c:EndDeviceAction><c:loadLimit><c:value>${c.loadLimit.value}</c:value>${c.loadLimit.unit ? `<c:unit>${c.loadLimit.unit}</c:unit>` : ''}</c:loadLimit></c:EndDeviceAction>` : '')
      + `<c:EndDeviceControlType ref="${c.type}"/>`
      + (c.groups ?? []).map((g) => `<c:EndDeviceGroups><c:mRID>${g}</c:mRID></c:EndDeviceGroups>`).join('')
      + (c.devices ?? []).map((d) => `<c:EndDevices><c:mRID>${d}</c:mRID></c:EndDevices>`).join('')
      + (c.names ?? []).map((n) => `<c:EndDevices><c:Names><c:name>${n}</c:name></c:Names></c:EndDevices>`).join('')
      + (w && w.as !== 'scheduledInterval' ? `<c:primaryDeviceTiming><c:interval>${interval}</c:interval></c:primaryDeviceTiming>` : '')
      + (w && w.as === 'scheduledInterval' ? `<c:scheduledInterval>${interval}</c:scheduledInterval>` : '')
      + '</c:EndDeviceControl>';
  };
  return `<m:Payload><c:EndDeviceControls xmlns:c="${EDC}">${controls.map(ctl).join('')}</c:EndDeviceControls></m:Payload>`;
}

export const edcRequest = (h: { verb?: string; messageId?: string; replyAddress?: string; correlationId?: string; source?: string }, controls: Control[]) =>
  message('RequestMessage', { verb: h.verb ?? 'create', noun: 'EndDeviceControls', ...h, ...(h.replyAddress ? { asyncReplyFlag: true } : {}) }, edcPayload(controls));

export const meters = (ids: string[], more: Partial<MeterRecord> = {}): MeterRecord[] =>
  ids.map((mRID) => ({ mRID, names: [`SN-${mRID}`], status: 'in-service', commPath: 'point-to-point', ...more }));

/**
 * A gateway on a manual clock (2026-11-20T12:00Z) with the embedded simulator, a real reply
 * peer, fast retries, and meters provisioned (point-to-point unless given a concentrator).
 */
export async function commandsGateway(overrides: Record<string, unknown> = {}) {
  const clock = manualClock();
  const peer = await receiver();
  const gw: TestGateway = testGateway({
    outbox: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
    commands: { baseDelayMs: 1000, maxDelayMs: 4000, maxAttempts: 3, leaseMs: 60_000 },
    ...overrides,
  }, { clock });
  const network = new SqliteNetwork(gw.db);
  const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
  /** Runs worker passes (moving the clock by stepMs each) until done() or the pass budget is spent. */
  const drainUntil = async (done: () => boolean | Promise<boolean>, stepMs = 0, passes = 40) => {
    for (let i = 0; i < passes && !(await done()); i++) {
      await gw.drain();
      clock.advance(stepMs);
    }
  };
  return {
    gw, clock, peer, network, post, drainUntil, sim: gw.commands.simulator!,
    close: async () => {
      await gw.close();
      await peer.close();
    },
  };
}
