/** A meter as the rest of the gateway needs to know it (provisioning owns the full record). */
export type MeterStatus = 'installed' | 'in-service' | 'removed';
export type CommPath = 'concentrator' | 'point-to-point';

export interface MeterInfo {
  mRID: string;
  names: string[];
  serialNumber?: string;
  status: MeterStatus;
  usagePointMRID?: string;
  commPath: CommPath;
  concentratorId?: string;
  transformerId?: string;
  feederId?: string;
}

/** How CIM messages point at a device: by mRID or by one of its Names. */
export interface DeviceRef {
  mRID?: string;
  name?: string;
}

export const refKey = (r: DeviceRef): string => (r.mRID !== undefined ? `mRID:${r.mRID}` : `name:${r.name ?? ''}`);
