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
}
