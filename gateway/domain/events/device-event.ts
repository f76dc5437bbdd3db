/** An EndDeviceEvent as stored and published. */
export interface DeviceEvent {
  /** The sender's mRID of the event, when it gave one. */
  mRID?: string;
  /** The meter (Assets/mRID) or concentrator it is about. */
  device: string;
  /** CIM EndDeviceEventType code (device.domain.subdomain.event). */
  eventType: string;
  createdDateTime: number;
  reason?: string;
  severity?: string;
  details: { name: string; value: string }[];
  /** UsagePoint/mRID the sender named, kept as sent. */
  usagePoint?: string;
  issuerID?: string;
  issuerTrackingID?: string;
  userID?: string;
}

/** A DeviceEvent once accepted: its code resolved through the mapping table, keyed, attributed. */
export interface StoredEvent extends DeviceEvent {
  /** Stable id derived from the idempotency key (see eventId). */
  id: string;
  /** Who sent it (Header/Source, the HES listener's source, or 'gateway' for notifications). */
  source: string;
  /** False when the code is not in the mapping table: stored and flagged, never dropped. */
  known: boolean;
  receivedAt: number;
}
