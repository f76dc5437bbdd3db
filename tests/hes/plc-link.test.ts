import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { cascadeSnrDb, defaultPlcLink, linkAttenuationDb, snrDb, transmit } from '../../gateway/adapters/hes-simulator/plc-link.js';
import { mulberry32 } from '../../gateway/adapters/hes-simulator/prng.js';
import { tempSimulator } from './sim-fixture.js';

describe('power-line-carrier link model (Transener guide 5.1 / 5.2)', () => {
  const link = { ...defaultPlcLink, transmitLevelDbm: 20, pathLengthKm: 2, attenuationDbPerKm: 6, couplingLossDb: 3, bypassLossDb: 2.6, faultAttenuationDb: 0, noiseLevelDbm: -25, noiseSigmaDb: 1 };

  it('sums the attenuation terms and measures S/N against the noise level', () => {
    assert.equal(linkAttenuationDb(link), 12 + 0 + 6 + 2.6);
    assert.ok(Math.abs(snrDb(link) - (20 - 20.6 + 25)) < 1e-9);
    assert.ok(Math.abs(snrDb({ ...link, faultAttenuationDb: 10 }) - (snrDb(link) - 10)) < 1e-9, 'a grounded phase adds its attenuation');
  });

  it('links in cascade are worse than their worst hop (section 5.3)', () => {
    const c = cascadeSnrDb([30, 20]);
    assert.ok(c < 20 && c > 19.5, String(c));
    assert.ok(Math.abs(cascadeSnrDb([20, 20]) - (20 - 10 * Math.log10(2))) < 1e-9);
  });

  it('loses messages below the 15 dB data threshold, delivers them well above it', () => {
    const random = mulberry32(7);
    const weak = { ...link, noiseLevelDbm: -8 }; // S/N ≈ 7.4 dB
    const strong = { ...link, noiseLevelDbm: -40 }; // S/N ≈ 39 dB
    assert.equal(Array.from({ length: 200 }, () => transmit(weak, random)).filter((t) => t.delivered).length, 0);
    assert.equal(Array.from({ length: 200 }, () => transmit(strong, random)).filter((t) => !t.delivered).length, 0);
  });

  it('near the threshold, some messages are lost and the delivered ones are slower', () => {
    const random = mulberry32(11);
    const marginal = { ...link, noiseLevelDbm: -(15 + 20.6 - 20) - 1.5 }; // S/N ≈ 16.5 dB, σ 1 dB
    const strong = { ...link, noiseLevelDbm: -40 };
    const near = Array.from({ length: 400 }, () => transmit(marginal, random));
    const lost = near.filter((t) => !t.delivered).length;
    assert.ok(lost > 0 && lost < 200, `lost ${lost} of 400`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const nearLatency = mean(near.filter((t) => t.delivered).map((t) => t.latencyMs));
    const farLatency = mean(Array.from({ length: 400 }, () => transmit(strong, random).latencyMs));
    assert.ok(nearLatency > 2 * farLatency, `${nearLatency} vs ${farLatency}`);
  });

  it('the same seed replays the same run', () => {
    const run = (seed: number) => { const r = mulberry32(seed); return Array.from({ length: 50 }, () => transmit({ ...link, noiseLevelDbm: -17 }, r)); };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
  });
});

describe('simulator over a link below the threshold', () => {
  const t = tempSimulator({ concentrators: { 'DC-BAD': { noiseLevelDbm: -5 } }, retryBudget: 3 });
  after(() => t.close());

  it('gives up after its retry budget with a transient failure naming the S/N; the command never acted', async () => {
    await t.sim.provision({ mRID: 'M-1', commPath: 'concentrator', concentratorId: 'DC-BAD' });
    assert.ok(t.sim.snrOf('M-1')! < 15);
    const out = await t.sim.execute({ commandId: 'x-1', kind: 'disconnect', meter: 'M-1' });
    assert.equal(out.status, 'failed');
    assert.ok(out.status === 'failed' && out.transient);
    assert.match(out.status === 'failed' ? out.reason : '', /concentrator DC-BAD: S\/N -?\d+\.\d dB below the 15 dB data threshold, message lost 3 times/);
    assert.equal(t.sim.meter('M-1')!.relay, 'connected');
    assert.equal(t.sim.executions().length, 0);
    t.sim.configureConcentrator('DC-BAD', { noiseLevelDbm: -40 });
    assert.equal((await t.sim.execute({ commandId: 'x-1', kind: 'disconnect', meter: 'M-1' })).status, 'succeeded', 'the same id runs once the link recovers');
    assert.equal(t.sim.meter('M-1')!.relay, 'disconnected');
  });

  it('pushes 15-minute load profiles and status words on collection, and supply cuts stop the energy', async () => {
    const pushed: { readings: number; events: string[] } = { readings: 0, events: [] };
    t.sim.listen({ onReadings: async (r) => void (pushed.readings += r.length), onEvents: async (e) => void pushed.events.push(...e.map((x) => x.eventType)) });
    await t.sim.provision({ mRID: 'P-9', commPath: 'point-to-point' });
    t.clock.advance(3_600_000);
    const c = await t.sim.collect();
    assert.equal(c.readings, pushed.readings);
    assert.ok(c.readings >= 4, 'an hour has four completed intervals per meter');
    await t.sim.setSupply(['P-9'], false);
    const before = t.sim.meter('P-9')!.energyWh;
    t.clock.advance(3_600_000);
    assert.equal(t.sim.meter('P-9')!.energyWh, before);
    await t.sim.setSupply(['P-9'], true);
    assert.deepEqual(pushed.events.filter((e) => e.startsWith('3.26')), ['3.26.0.85', '3.26.0.216']);
  });
});
