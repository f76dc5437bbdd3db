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
}
