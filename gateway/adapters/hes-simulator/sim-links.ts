import { defaultCellularLink, defaultPlcLink, DATA_THRESHOLD_DB, snrDb, transmit, transmitCellular, type CellularLinkParams, type PlcLinkParams } from './plc-link.js';
import { mulberry32 } from './prng.js';

export interface LinkSettings {
  seed: number;
  retryBudget?: number;
  thresholdDb?: number;
  /** Real delay = simulated latency × timeScale (0: no waiting). */
  timeScale?: number;
  defaultLink?: Partial<PlcLinkParams>;
  concentrators?: Record<string, Partial<PlcLinkParams>>;
  cellular?: Partial<CellularLinkParams>;
}

export type Hop = { ok: true } | { ok: false; reason: string };

/**
 * The simulator's communication: each concentrator's PLC link and the cellular network of
 * point-to-point meters. One seeded noise stream for all messages, so a run replays.
 */
export class SimLinks {
  private readonly links = new Map<string, PlcLinkParams>();
  private readonly random: () => number;

  constructor(private readonly settings: LinkSettings) {
    this.random = mulberry32(settings.seed);
    for (const [id, link] of Object.entries(settings.concentrators ?? {})) this.configure(id, link);
  }

  configure(concentratorId: string, link: Partial<PlcLinkParams>): void {
    this.links.set(concentratorId, { ...defaultPlcLink, ...this.settings.defaultLink, ...link });
  }

  of(concentratorId: string): PlcLinkParams {
    return this.links.get(concentratorId) ?? { ...defaultPlcLink, ...this.settings.defaultLink };
  }

  snr(concentratorId: string): number {
    return snrDb(this.of(concentratorId));
  }

  /** One message to or from a meter, repeated within the retry budget; waits the simulated latency × timeScale. */
  async hop(concentratorId: string | undefined): Promise<Hop> {
    const budget = this.settings.retryBudget ?? 3;
    const threshold = this.settings.thresholdDb ?? DATA_THRESHOLD_DB;
    let spent = 0;
    let last = 0;
    for (let attempt = 1; attempt <= budget; attempt++) {
      const t = concentratorId ? transmit(this.of(concentratorId), this.random, threshold)
        : { ...transmitCellular({ ...defaultCellularLink, ...this.settings.cellular }, this.random), snrDb: Number.NaN };
      spent += t.latencyMs;
      last = t.snrDb;
      if (t.delivered) {
        await this.sleep(spent);
        return { ok: true };
      }
    }
    await this.sleep(spent);
    const via = concentratorId ? `PLC link of concentrator ${concentratorId}: S/N ${last.toFixed(1)} dB below the ${threshold} dB data threshold` : 'cellular link';
    return { ok: false, reason: `${via}, message lost ${budget} times` };
  }

  private sleep(ms: number): Promise<void> {
    const scale = this.settings.timeScale ?? 0;
    return scale > 0 ? new Promise((r) => setTimeout(r, ms * scale)) : Promise.resolve();
  }
}
