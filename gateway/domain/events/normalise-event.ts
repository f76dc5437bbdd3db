import type { DeviceEvent } from './device-event.js';
import type { EventTypeTable } from './event-types.js';

export interface NormalisedEvent {
  event: DeviceEvent;
  known: boolean;
}

/**
 * Turns what the head-end sent into events with CIM codes. A known CIM code is kept; a vendor
 * code is mapped (the original kept as detail `hesCode`); a status word (detail named by the
 * table, when the ref itself is not a known CIM code) becomes one event per set bit. Anything
 * the table does not know is kept as sent and flagged (known=false): never dropped.
 */
export function normaliseEvent(e: DeviceEvent, table: EventTypeTable): NormalisedEvent[] {
  const resolved = table.resolve(e.eventType);
  const word = e.details.find((d) => d.name === table.statusWordDetail)?.value;
  if (!resolved.info && word !== undefined) {
    const bits = table.fromStatusWord(word);
    if (bits && (bits.types.length > 0 || bits.unmappedBits.length > 0)) {
      const out: NormalisedEvent[] = bits.types.map((t) => ({
        // The bit goes into the mRID so each derived event has its own idempotency key.
        event: { ...e, ...(e.mRID ? { mRID: `${e.mRID}#${t.code}` } : {}), eventType: t.code, severity: e.severity ?? t.severity, details: [...e.details, { name: 'hesCode', value: e.eventType }] },
        known: true,
      }));
      if (bits.unmappedBits.length > 0) {
        out.push({ event: { ...e, details: [...e.details, { name: 'unmappedStatusBits', value: bits.unmappedBits.join(',') }] }, known: false });
      }
      return out;
    }
  }
  if (!resolved.info) return [{ event: e, known: false }];
  const details = resolved.hesCode ? [...e.details, { name: 'hesCode', value: resolved.hesCode }] : e.details;
  const severity = e.severity ?? resolved.info.severity;
  return [{ event: { ...e, eventType: resolved.code, details, ...(severity ? { severity } : {}) }, known: true }];
}
