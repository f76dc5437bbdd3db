import type { DeviceRef, MeterInfo } from '../domain/meters/meter.js';

/**
 * Read side of provisioning: which meters exist and where they hang in the network. Every
 * flow that names meters resolves them here (unknown → 2.4).
 */
export interface MeterRegistry {
  /** Resolves references by mRID or name; unknown ones map to undefined. Keys: refKey(ref). */
  resolve(refs: DeviceRef[]): Promise<Map<string, MeterInfo | undefined>>;
  get(mRID: string): Promise<MeterInfo | undefined>;
  byUsagePoint(usagePointMRID: string): Promise<MeterInfo[]>;
  byConcentrator(concentratorId: string): Promise<MeterInfo[]>;
  byTransformer(transformerId: string): Promise<MeterInfo[]>;
  /** Members of an EndDeviceGroup (a concentrator, transformer or configured group id). */
  group(groupId: string): Promise<MeterInfo[]>;
}
