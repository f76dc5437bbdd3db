import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExportWatermarks } from '../../gateway/ports/export-watermark.port.js';

export interface ExportWatermarksFixture {
  store: ExportWatermarks;
  close(): Promise<void>;
}

/** The positions I7 clients confirmed; every implementation runs this suite. */
export function exportWatermarksContract(name: string, open: () => Promise<ExportWatermarksFixture>): void {
  describe(`export-watermarks contract: ${name}`, () => {
    let fx: ExportWatermarksFixture;
    before(async () => { fx = await open(); });
    after(() => fx.close());

    it('keeps one position per client and resource, the latest confirmed, forward or back', async () => {
      assert.deepEqual(await fx.store.list(), []);
      await fx.store.confirm('dwh', 'readings', 0, new Date(1_000));
      await fx.store.confirm('dwh', 'readings', 42, new Date(2_000));
      await fx.store.confirm('dwh', 'interruptions', 7, new Date(2_500));
      await fx.store.confirm('bi', 'readings', 40, new Date(3_000));
      await fx.store.confirm('bi', 'readings', 30, new Date(4_000));
      assert.deepEqual((await fx.store.list()).map((w) => [w.clientId, w.resource, w.seq, w.at.getTime()]),
        [['bi', 'readings', 30, 4_000], ['dwh', 'interruptions', 7, 2_500], ['dwh', 'readings', 42, 2_000]]);
    });
  });
}
