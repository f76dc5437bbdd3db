import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { MeterRegistry } from '../../gateway/ports/meter-registry.port.js';
import type { NetworkStore } from '../../gateway/ports/network-store.port.js';

export interface NetworkFixture {
  store: NetworkStore;
  registry: MeterRegistry;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Provisioning writes and the meter-registry reads over the same data. */
export function networkStoreContract(name: string, make: () => Promise<NetworkFixture>): void {
  describe(`network-store / meter-registry contract: ${name}`, () => {
    let f: NetworkFixture;
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
      await f.store.upsertTransformers([{ id: 'TR-1', feederId: 'FD-1' }, { id: 'TR-2', feederId: 'FD-1' }]);
      await f.store.upsertConcentrators([{ id: 'DC-1', transformerId: 'TR-1', link: { pathKm: 1.2, noiseDbm: -60 } }]);
      await f.store.upsertUsagePoints([{ mRID: 'UP-1', names: ['Casa 1'], transformerId: 'TR-1', customerAccount: 'ACC-9' }, { mRID: 'UP-2', names: [], transformerId: 'TR-2' }]);
      await f.store.upsertMeters([
        { mRID: 'M-1', names: ['SN-1'], status: 'in-service', commPath: 'concentrator', concentratorId: 'DC-1', usagePointMRID: 'UP-1' },
        { mRID: 'M-2', names: ['SN-2'], status: 'installed', commPath: 'point-to-point', usagePointMRID: 'UP-2' },
      ]);
    });
    after(() => f?.close());

    it('resolves meters by mRID and by name, unknown ones to undefined', async () => {
      const found = await f.registry.resolve([{ mRID: 'M-1' }, { name: 'SN-2' }, { mRID: 'nope' }, { name: 'nope' }]);
      assert.equal(found.get('mRID:M-1')?.concentratorId, 'DC-1');
      assert.equal(found.get('mRID:M-1')?.transformerId, 'TR-1', 'the usage point brings its transformer');
      assert.equal(found.get('name:SN-2')?.mRID, 'M-2');
      assert.equal(found.get('mRID:nope'), undefined);
      assert.equal(found.get('name:nope'), undefined);
    });

    it('groups by concentrator, transformer and usage point', async () => {
      assert.deepEqual((await f.registry.byConcentrator('DC-1')).map((m) => m.mRID), ['M-1']);
      assert.deepEqual((await f.registry.byTransformer('TR-2')).map((m) => m.mRID), ['M-2']);
      assert.deepEqual((await f.registry.byUsagePoint('UP-1')).map((m) => m.mRID), ['M-1']);
      assert.deepEqual((await f.registry.group('TR-1')).map((m) => m.mRID), ['M-1']);
    });

    it('upserts are idempotent and replace names', async () => {
      await f.store.upsertMeters([{ mRID: 'M-1', names: ['SN-1b'], status: 'removed', commPath: 'concentrator', concentratorId: 'DC-1', usagePointMRID: 'UP-1' }]);
      assert.equal(await f.store.countMeters(), 2);
      assert.equal((await f.registry.get('M-1'))?.status, 'removed');
      assert.equal((await f.registry.resolve([{ name: 'SN-1' }])).get('name:SN-1'), undefined);
      assert.equal((await f.registry.resolve([{ name: 'SN-1b' }])).get('name:SN-1b')?.mRID, 'M-1');
    });

    it('pages meters in mRID order and keeps usage point and concentrator details', async () => {
      assert.deepEqual((await f.store.listMeters(1)).map((m) => m.mRID), ['M-1']);
      assert.deepEqual((await f.store.listMeters(5, 'M-1')).map((m) => m.mRID), ['M-2']);
      assert.equal((await f.store.usagePoint('UP-1'))?.customerAccount, 'ACC-9');
      assert.deepEqual((await f.store.concentrators())[0]?.link, { pathKm: 1.2, noiseDbm: -60 });
    });

    it('keeps the echoed CIM attributes of a meter', async () => {
      const m = { mRID: 'M-3', names: [], status: 'installed' as const, commPath: 'concentrator' as const, concentratorId: 'DC-1',
        amrSystem: 'HES-A', meterType: 'single-phase', communicationTechnology: 'PLC', comModuleMRID: 'CM-3', statusAt: '2026-01-02T03:04:05.000Z', statusReason: 'new' };
      await f.store.upsertMeters([m]);
      assert.deepEqual(await f.store.meterRecord('M-3'), m);
      assert.deepEqual(Object.keys((await f.registry.get('M-3'))!).sort(), ['commPath', 'concentratorId', 'mRID', 'names', 'status']);
    });

    it('queries meters by any of mRID, name, usage point, concentrator and transformer, paged', async () => {
      const ids = async (q: Parameters<NetworkStore['queryMeters']>[0], limit = 10, after?: string) => (await f.store.queryMeters(q, limit, after)).map((m) => m.mRID);
      assert.deepEqual(await ids({}), ['M-1', 'M-2'], 'no criterion: every meter');
      assert.deepEqual(await ids({ mRIDs: ['M-2', 'nope'] }), ['M-2']);
      assert.deepEqual(await ids({ names: ['SN-1'] }), ['M-1']);
      assert.deepEqual(await ids({ usagePointMRIDs: ['UP-2'] }), ['M-2']);
      assert.deepEqual(await ids({ concentratorIds: ['DC-1'] }), ['M-1']);
      assert.deepEqual(await ids({ transformerIds: ['TR-2'] }), ['M-2']);
      assert.deepEqual(await ids({ mRIDs: ['M-1'], transformerIds: ['TR-2'] }), ['M-1', 'M-2'], 'criteria add up');
      assert.deepEqual(await ids({ mRIDs: ['M-1', 'M-2'] }, 1), ['M-1']);
      assert.deepEqual(await ids({ mRIDs: ['M-1', 'M-2'] }, 1, 'M-1'), ['M-2']);
      assert.deepEqual(await ids({ concentratorIds: ['nope'] }), []);
    });

    it('answers a large mRID list in one query', async () => {
      const many = Array.from({ length: 40_000 }, (_, i) => `X-${i}`).concat(['M-2']);
      assert.deepEqual((await f.store.queryMeters({ mRIDs: many }, 10)).map((m) => m.mRID), ['M-2']);
    });

    it('reads usage points and transformers in bulk', async () => {
      assert.deepEqual((await f.store.usagePoints(['UP-2', 'UP-1', 'nope'])).map((u) => u.mRID), ['UP-1', 'UP-2']);
      assert.deepEqual(await f.store.transformers(), [{ id: 'TR-1', feederId: 'FD-1' }, { id: 'TR-2', feederId: 'FD-1' }]);
    });
  });
}
