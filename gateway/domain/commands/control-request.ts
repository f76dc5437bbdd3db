/** A device, group or usage point as an EndDeviceControl names it. */
export interface TargetRef {
  mRID?: string;
  name?: string;
  /** How it was named, for reply details. */
  label: string;
  xpath: string;
}

/** One EndDeviceControl of a request, read from CIM, before its targets are resolved. */
export interface ControlRequest {
  index: number;
  xpath: string;
  /** EndDeviceControlType ref. */
  type: string;
  mRID?: string;
  reason?: string;
  /** Execution window: not before start, expired after end. */
  start?: Date;
  end?: Date;
  loadLimit?: { value: number; unit?: string };
  devices: TargetRef[];
  groups: TargetRef[];
  usagePoints: TargetRef[];
  usagePointGroups: TargetRef[];
}
