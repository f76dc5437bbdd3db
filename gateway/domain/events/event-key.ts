import { createHash } from 'node:crypto';
import type { DeviceEvent } from './device-event.js';

/**
 * The idempotency key of an event: (device, event type, time, mRID). The mRID is part of it so
 * two distinct events of one kind in the same second (sent with their own mRIDs) both count, and
 * a head-end resend (same four values) is recognised.
 */
export function eventKey(e: Pick<DeviceEvent, 'device' | 'eventType' | 'createdDateTime' | 'mRID'>): string {
  return `${e.device}\u0001${e.eventType}\u0001${e.createdDateTime}\u0001${e.mRID ?? ''}`;
}

export function eventId(e: Pick<DeviceEvent, 'device' | 'eventType' | 'createdDateTime' | 'mRID'>): string {
  return createHash('sha1').update(eventKey(e)).digest('hex').slice(0, 32);
}

/** A name-based UUID (v5 layout over SHA-1): the same name always gives the same MessageID. */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
