import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { HesSimulator } from '../../gateway/adapters/hes-simulator/hes-simulator.js';
import type { DeviceEvent } from '../../gateway/domain/events/device-event.js';
import type { HesListener, HesPort } from '../../gateway/ports/hes.port.js';
import { receiver, testGateway, type TestGateway } from '../helpers/gateway.js';
import { manualClock, provision, settle, T0 } from './events-fixtures.js';
import { soapSubscriber } from './soap-subscriber.js';

/**
 * Issue #7's proof end to end: only the HES simulator is driven (setSupply cuts and restores supply),
 * its pushes reach the gateway through the gateway's own HesListener (hesPushListener → ingestEvents),
 * and a real SOAP subscriber (node-soap) and a real REST subscriber (HTTP server) started here,
 * subscribed through POST /admin/subscriptions, must receive exactly what docs/events.md promises.
 * The simulator and the gateway share one manual clock: event times and the outage threshold are
 * judged on it, so 15 s / 45 s cuts need no sleeping.
 */

const S = 1000;
const MIN = 60 * S;
const RAW = ['3.26.0.85', '3.26.0.216'];
const OUTAGE = ['0.26.0.85', '0.26.0.216'];
const mtr = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `MTR-${from + i}`);
const byMeter = (a: string, b: string) => a.localeCompare(b);

/**
 * Sits between the simulator and the gateway's HesListener. Pass-through by default; while holding it
 * keeps each push (one batch per setSupply call) so the test can hand the batches to the gateway's
 * listener in another order, or twice — what a head-end with late concentrators or a lost push cursor does.
 */
class Relay implements HesListener {
  gateway: HesListener | undefined;
  held: DeviceEvent[][] | undefined;
  private get target(): HesListener {
    assert.ok(this.gateway, 'the gateway registered its listener with the head-end');
    return this.gateway;
  }
  onReadings(readings: Parameters<HesListener['onReadings']>[0], source: string) {
    return this.target.onReadings(readings, source);
  }
  async onEvents(events: DeviceEvent[], source: string) {
    if (this.held) this.held.push(events);
    else await this.target.onEvents(events, source);
  }
  hold() {
    this.held = [];
  }
  /** Stops holding and returns what was held (not delivered). */
  take(): DeviceEvent[][] {
    const held = this.held ?? [];
    this.held = undefined;
    return held;
  }
  deliver(events: DeviceEvent[]) {
    return this.target.onEvents(events, 'HES-SIM');
  }
}

interface Got { messageId: string; device: string; eventType: string; mRID: string; meters: string[]; details: Record<string, string> }

/** What the REST subscriber got: one EventMessage per delivery, one event each. */
function restEvents(bodies: string[]): Got[] {
  return bodies.map((b) => {
    const details = [...b.matchAll(/<(?:\w+:)?name>([^<]+)<\/(?:\w+:)?name><(?:\w+:)?value>([^<]*)</g)].map((m) => [m[1]!, m[2]!] as const);
    const ev = /<(?:\w+:)?EndDeviceEvent>([\s\S]*)<\/(?:\w+:)?EndDeviceEvent>/.exec(b)?.[1] ?? '';
    return {
      messageId: /<(?:\w+:)?MessageID>([^<]+)</.exec(b)![1]!,
      device: /<(?:\w+:)?Assets><(?:\w+:)?mRID>([^<]+)</.exec(b)![1]!,
      eventType: /EndDeviceEventType ref="([^"]+)"/.exec(b)![1]!,
      // The event's own mRID: it precedes Assets (whose mRID is the device).
      mRID: /<(?:\w+:)?mRID>([^<]+)</.exec(ev.split(/<(?:\w+:)?Assets>/)[0]!)?.[1] ?? '',
      meters: details.filter(([n]) => n === 'meter').map(([, v]) => v),
      details: Object.fromEntries(details),
    };
  });
}

describe('HES simulator supply cuts → outage notifications at real SOAP and REST subscribers', () => {
  const clock = manualClock(T0);
  const relay = new Relay();
  const simDir = mkdtempSync(path.join(tmpdir(), 'hes-sim-outages-'));
  // The gateway's own embedded simulator cannot reorder its pushes, so the same simulator class is handed
  // to the gateway as its head-end (GatewayOptions.hes) with the relay in front of the gateway's listener.
  const sim = new HesSimulator({ dataDir: simDir, seed: 7, clock, statusWordProbability: 0 });
  sim.listen(relay);
  const hes: HesPort = {
    execute: (c) => sim.execute(c),
    readOnDemand: (m, t, s, e) => sim.readOnDemand(m, t, s, e),
    provision: (m) => sim.provision(m),
    remove: (id) => sim.remove(id),
    listen: (l) => { relay.gateway = l; },
  };
  let gw: TestGateway;
  let oms: Awaited<ReturnType<typeof soapSubscriber>>;
  let scada: Awaited<ReturnType<typeof receiver>>;
  /** Deliveries each subscriber had before the current step. */
  let omsBefore = 0;
  let scadaBefore = 0;
  const omsNew = () => oms.events.slice(omsBefore);
  const scadaNew = () => restEvents(scada.received.slice(scadaBefore).map((r) => r.body));
  const nextStep = () => {
    omsBefore = oms.events.length;
    scadaBefore = scada.received.length;
  };
  const at = async (ms: number) => {
    clock.set(ms);
    await settle(gw);
  };

  before(async () => {
    gw = testGateway({ outbox: { baseDelayMs: 1000, maxDelayMs: 5000 } }, { clock, hes });
    // Demo-like topology in the gateway's network store: TR-1 feeds UP-1..10, meters MTR-1..10 on DC-1
    // (MTR-11 point-to-point, no transformer); the head-end knows the same meters.
    await provision(gw);
    for (const m of mtr(1, 10)) await sim.provision({ mRID: m, commPath: 'concentrator', concentratorId: 'DC-1' });
    await sim.provision({ mRID: 'MTR-11', commPath: 'point-to-point' });
    oms = await soapSubscriber();
    scada = await receiver();
    // The OMS wants outage notifications only; SCADA everything about transformer TR-1 (raw events included).
    const a = await request(gw.app).post('/admin/subscriptions').send({ endpoint: oms.url, noun: 'EndDeviceEvents', protocol: 'SOAP', eventTypes: OUTAGE });
    const b = await request(gw.app).post('/admin/subscriptions').send({ endpoint: scada.url, noun: 'EndDeviceEvents', protocol: 'REST', deviceGroup: 'TR-1' });
    assert.deepEqual([a.status, b.status], [201, 201]);
  });
  after(async () => {
    await gw?.close();
    await sim.stop();
    rmSync(simDir, { recursive: true, force: true });
    await oms?.close();
    await scada?.close();
  });

  it('(1) a 15 s cut of five meters: no outage notification to anyone; SCADA gets the ten raw events, once each', async () => {
    nextStep();
    clock.set(T0);
    const offs = await sim.setSupply(mtr(1, 5), false);
    assert.equal(offs.length, 5, 'the simulator knows the meters and cut them');
    await settle(gw);
    clock.set(T0 + 15 * S);
    const ons = await sim.setSupply(mtr(1, 5), true);
    assert.equal(ons.length, 5);
    await settle(gw);
    // Long past the threshold on the gateway clock: the poller must still not notify a momentary cut.
    await at(T0 + 5 * MIN);

    assert.deepEqual(omsNew(), [], 'the OMS hears nothing about a momentary interruption');
    assert.equal(oms.messages, 0);
    const got = scadaNew();
    assert.deepEqual(got.filter((g) => OUTAGE.includes(g.eventType)), [], 'no notification to SCADA either');
    assert.deepEqual(got.map((g) => g.mRID).sort(), [...offs, ...ons].map((e) => e.mRID!).sort(), 'exactly the simulator\'s raw events');
    assert.equal(new Set(got.map((g) => g.messageId)).size, got.length);
    for (const m of mtr(1, 5)) assert.deepEqual(got.filter((g) => g.device === m).map((g) => g.eventType), RAW, `${m}: off then restored`);
    const interruptions = (await request(gw.app).get('/admin/interruptions').query({ from: new Date(T0 - MIN).toISOString(), to: new Date(T0 + 5 * MIN).toISOString() })).body;
    assert.deepEqual([interruptions.totals.momentary, interruptions.totals.sustained], [5, 0]);
  });

  it('(2) a 45 s cut of six meters: exactly one grouped outage, on the gateway clock, then one restoration, per subscriber', async () => {
    nextStep();
    const group = mtr(3, 8);
    const t2 = T0 + 10 * MIN;
    clock.set(t2);
    const offs = await sim.setSupply(group, false);
    assert.equal(offs.length, 6);
    await settle(gw);
    await at(t2 + 30 * S);
    assert.deepEqual(omsNew(), [], 'not yet: 30 s is not strictly longer than the threshold');
    await at(t2 + 31 * S);
    assert.deepEqual(omsNew().map((e) => [e.eventType, e.device]), [['0.26.0.85', 'TR-1']], 'notified while still off');
    assert.deepEqual(omsNew()[0]!.details.meter, [...group].sort(byMeter));
    await at(t2 + 40 * S);
    clock.set(t2 + 45 * S);
    const ons = await sim.setSupply(group, true);
    assert.equal(ons.length, 6);
    await settle(gw);
    await at(t2 + 5 * MIN);

    const soapGot = omsNew();
    assert.deepEqual(soapGot.map((e) => [e.eventType, e.device]), [['0.26.0.85', 'TR-1'], ['0.26.0.216', 'TR-1']]);
    assert.deepEqual(soapGot[1]!.details.meter, [...group].sort(byMeter));
    assert.deepEqual(soapGot[1]!.details.durationSeconds, ['45']);
    assert.deepEqual(soapGot[0]!.details.start, [new Date(t2).toISOString()]);
    assert.equal(oms.messages, 2);

    const got = scadaNew();
    const notes = got.filter((g) => OUTAGE.includes(g.eventType));
    assert.deepEqual(notes.map((n) => [n.eventType, n.device, n.meters]), [['0.26.0.85', 'TR-1', [...group].sort(byMeter)], ['0.26.0.216', 'TR-1', [...group].sort(byMeter)]]);
    assert.deepEqual(notes.map((n) => n.messageId).filter((id) => soapGot.some((e) => e.messageId === id)), [], 'each subscriber has its own MessageIDs');
    assert.deepEqual(got.filter((g) => RAW.includes(g.eventType)).map((g) => g.mRID).sort(), [...offs, ...ons].map((e) => e.mRID!).sort());
    assert.equal(new Set(got.map((g) => g.messageId)).size, got.length);
  });

  it('(3) a 45 s cut whose pushes arrive restore batch first, then the offs, then all again: still one outage and one restoration', async () => {
    nextStep();
    const group = mtr(1, 10);
    const t3 = T0 + 20 * MIN;
    relay.hold();
    clock.set(t3);
    const offs = await sim.setSupply(group, false);
    clock.set(t3 + 45 * S);
    const ons = await sim.setSupply(group, true);
    const held = relay.take();
    assert.deepEqual(held, [offs, ons], 'the simulator pushed two batches, in order, both held back');
    assert.equal(offs.length + ons.length, 20);

    clock.set(t3 + 50 * S);
    await relay.deliver([...ons].reverse());
    await settle(gw);
    assert.deepEqual(omsNew(), [], 'a restore alone proves no outage');
    await at(t3 + 2 * MIN);
    assert.deepEqual(omsNew(), [], 'restores without offs are never notified, however long the gateway waits');

    await relay.deliver([...offs].reverse());
    await settle(gw);
    assert.deepEqual(omsNew().map((e) => e.eventType), OUTAGE, 'the late offs complete a 45 s outage: started and restored');

    // Duplicated: the whole push again, twice, and once more in order.
    await relay.deliver([...ons, ...offs]);
    await relay.deliver([...offs, ...ons].reverse());
    await sim.setSupply(group, true); // already powered: the simulator pushes nothing
    await settle(gw);
    await at(t3 + 10 * MIN);

    const soapGot = omsNew();
    assert.deepEqual(soapGot.map((e) => [e.eventType, e.device]), [['0.26.0.85', 'TR-1'], ['0.26.0.216', 'TR-1']]);
    assert.deepEqual(soapGot.map((e) => e.details.meter), [group.sort(byMeter), group.sort(byMeter)]);
    assert.deepEqual(soapGot.map((e) => e.details.start), [[new Date(t3).toISOString()], [new Date(t3).toISOString()]]);
    assert.deepEqual(soapGot[1]!.details.durationSeconds, ['45']);
    assert.equal(oms.messages, 4, 'two from step 2, two from this step');

    const got = scadaNew();
    assert.deepEqual(got.filter((g) => OUTAGE.includes(g.eventType)).map((n) => [n.eventType, n.meters.length]), [['0.26.0.85', 10], ['0.26.0.216', 10]]);
    assert.deepEqual(got.filter((g) => RAW.includes(g.eventType)).map((g) => g.mRID).sort(), [...offs, ...ons].map((e) => e.mRID!).sort(), 'each raw event once despite three deliveries');
    assert.equal(new Set(got.map((g) => g.messageId)).size, got.length);
  });

  it('leaves nothing pending or dead for either subscriber', async () => {
    const subs = (await request(gw.app).get('/admin/subscriptions')).body as { id: string }[];
    assert.equal(subs.length, 2);
    for (const s of subs) {
      const { backlog } = (await request(gw.app).get(`/admin/subscriptions/${s.id}`)).body;
      assert.deepEqual([backlog.pending, backlog.dead], [0, 0]);
    }
    const gatewayNotes = gw.db.prepare(`SELECT event_type FROM device_events WHERE source = 'gateway' ORDER BY seq`).all() as { event_type: string }[];
    assert.deepEqual(gatewayNotes.map((n) => n.event_type), [...OUTAGE, ...OUTAGE]);
  });
});
