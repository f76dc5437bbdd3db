import type { CommPath, MeterStatus } from '../domain/meters/meter.js';

export interface MeterRecord {
  mRID: string;
  names: string[];
  serialNumber?: string;
  manufacturer?: string;
  model?: string;
  status: MeterStatus;
  usagePointMRID?: string;
  commPath: CommPath;
  concentratorId?: string;
  /** CIM attributes kept to answer `get MeterConfig` as they were sent; nothing decides on them. */
  amrSystem?: string;
  meterType?: string;
  /** ComModule: PLC, RF, CELLULAR, … */
  communicationTechnology?: string;
  comModuleMRID?: string;
  /** When the status last changed (ISO 8601), and why. */
  statusAt?: string;
  statusReason?: string;
}

/**
 * Selects meters matching ANY of the given criteria; a query with no (non-empty) criterion
 * selects every meter. Names match any of a meter's names.
 */
export interface MeterQuery {
  mRIDs?: string[];
  names?: string[];
  usagePointMRIDs?: string[];
  concentratorIds?: string[];
  transformerIds?: string[];
}

export const isEmptyQuery = (q: MeterQuery): boolean =>
  [q.mRIDs, q.names, q.usagePointMRIDs, q.concentratorIds, q.transformerIds].every((c) => !c || c.length === 0);

/** Told when meters are removed, so whatever is pending for them stops (commands, schedules). */
export interface MeterRemovalListener {
  metersRemoved(mRIDs: string[], at: Date): Promise<void>;
}

export interface UsagePointRecord {
  mRID: string;
  names: string[];
  /** Opaque references of the utility's CIS; the gateway never interprets them. */
  serviceLocation?: string;
  customerAccount?: string;
  transformerId?: string;
  feederId?: string;
}

export interface ConcentratorRecord {
  id: string;
  name?: string;
  /** Simulator link parameters (power-line-carrier budget), opaque to everything else. */
  link?: Record<string, number | string>;
  transformerId?: string;
}

export interface TransformerRecord {
  id: string;
  feederId?: string;
  name?: string;
}

/** Write side of provisioning and topology. Each call is one transaction. */
export interface NetworkStore {
  upsertTransformers(items: TransformerRecord[]): Promise<void>;
  upsertConcentrators(items: ConcentratorRecord[]): Promise<void>;
  upsertUsagePoints(items: UsagePointRecord[]): Promise<void>;
  upsertMeters(items: MeterRecord[]): Promise<void>;
  meterRecord(mRID: string): Promise<MeterRecord | undefined>;
  usagePoint(mRID: string): Promise<UsagePointRecord | undefined>;
  concentrators(): Promise<ConcentratorRecord[]>;
  /** Meters in mRID order after `afterMRID`, for paging. */
  listMeters(limit: number, afterMRID?: string): Promise<MeterRecord[]>;
  countMeters(): Promise<number>;
  /** Meters matching the query in mRID order after `afterMRID` (bulk checks and paged gets). */
  queryMeters(query: MeterQuery, limit: number, afterMRID?: string): Promise<MeterRecord[]>;
  usagePoints(mRIDs: string[]): Promise<UsagePointRecord[]>;
  transformers(): Promise<TransformerRecord[]>;
}
