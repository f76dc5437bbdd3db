import { replyError, type Reply, type ReplyError } from '../cim/reply.js';
import { refKey, type DeviceRef } from '../domain/meters/meter.js';
import type { ReadingTypeTable } from '../domain/readings/reading-types.js';
import type { ParsedMeterReading } from '../domain/readings/meter-reading.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { IngestMeta, IngestStats, ReadingSeries, ReadingStore } from '../ports/reading-store.port.js';

export interface IngestDeps {
  store: ReadingStore;
  meters: MeterRegistry;
  readingTypes: ReadingTypeTable;
}

/** Per code, this many errors are itemised; the rest are summed up in one more entry. */
const ITEMISED_PER_CODE = 50;

/**
 * One message's readings, fed in batches of MeterReading elements (the buffered handler feeds
 * them all at once, the streamed ingest as they arrive), committed together at the end. Unknown
 * meters (2.4) and unusable reading types (2.6 / 2.10) are reported once each; the rest is stored.
 */
export class ReadingIngestion {
  private readonly known = new Map<string, string | undefined>();
  private readonly reported = new Set<string>();
  private readonly errors: ReplyError[] = [];
  private readonly overflow = new Map<string, number>();
  private accepted = 0;
  private done = false;

  private constructor(private readonly deps: IngestDeps, private readonly id: string, private readonly xpathBase: string) {}

  /** xpathBase: the MeterReadings element's path, e.g. `/EventMessage/Payload/MeterReadings`. */
  static async begin(deps: IngestDeps, meta: IngestMeta, xpathBase: string): Promise<ReadingIngestion> {
    return new ReadingIngestion(deps, await deps.store.beginIngest(meta), xpathBase);
  }

  async add(batch: readonly ParsedMeterReading[]): Promise<void> {
    const unseen = new Map<string, DeviceRef>();
    for (const mr of batch) if (mr.meter && !this.known.has(refKey(mr.meter))) unseen.set(refKey(mr.meter), mr.meter);
    if (unseen.size > 0) {
      const resolved = await this.deps.meters.resolve([...unseen.values()]);
      for (const [key, info] of resolved) this.known.set(key, info?.mRID);
    }
    const series: ReadingSeries[] = [];
    let readings = 0;
    for (const mr of batch) {
      const at = `${this.xpathBase}/MeterReading[${mr.index}]`;
      const meter = mr.meter ? this.known.get(refKey(mr.meter)) : undefined;
      if (!meter) {
        const label = mr.meter ? (mr.meter.mRID ?? `name ${mr.meter.name}`) : '(none)';
        this.report(`meter:${label}`, replyError('2.4', {
          details: mr.meter ? `meter ${label} is not provisioned; its readings were not stored` : 'MeterReading names no Meter; its readings were not stored',
          xpath: `${at}/Meter`,
        }));
        continue;
      }
      for (const block of mr.blocks) {
        const verdict = this.deps.readingTypes.classify(block.readingType);
        if (!verdict.ok) {
          this.report(`type:${block.readingType}`, replyError(verdict.code, { details: `${verdict.reason}; its readings were not stored`, xpath: `${at}/${block.where}/ReadingType` }));
          continue;
        }
        // The parsed block goes to the store as it is: no object per reading (a million in 100 MB).
        series.push({ meter, readingType: block.readingType, block });
        readings += block.timestamps.length;
      }
    }
    this.accepted += readings;
    if (readings > 0) await this.deps.store.stageSeries(this.id, series);
  }

  /** Makes everything staged visible at once and answers the message. */
  async commit(): Promise<{ reply: Reply; stats: IngestStats }> {
    this.done = true;
    const stats = await this.deps.store.commitIngest(this.id);
    const errors = [...this.errors];
    for (const [code, n] of this.overflow) errors.push(replyError(code as ReplyError['code'], { details: `and ${n} more like the above` }));
    const result = errors.length === 0 ? 'OK' : this.accepted > 0 ? 'PARTIAL' : 'FAILED';
    return { reply: errors.length === 0 ? { result, errors: [replyError('0.0')] } : { result, errors }, stats };
  }

  /** Stores nothing of this message (schema error, technical failure, client gone). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.deps.store.discardIngest(this.id);
  }

  private report(key: string, error: ReplyError): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const sameCode = this.errors.filter((e) => e.code === error.code).length;
    if (sameCode < ITEMISED_PER_CODE) this.errors.push(error);
    else this.overflow.set(error.code, (this.overflow.get(error.code) ?? 0) + 1);
  }
}
