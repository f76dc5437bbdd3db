import type { Period } from '../domain/period.js';
import type { StoredEvent } from '../domain/events/device-event.js';

export interface EventQuery {
  /** Devices (meter mRIDs, concentrator or group ids); empty or absent = any. */
  devices?: string[];
  eventTypes?: string[];
  /** Event time window, inclusive, epoch ms. */
  from?: number;
  to?: number;
  /**
   * Per device, the only times its events may be answered in (closed ranges, e.g. a third party's
   * consent periods); a device without an entry is not restricted, one with an empty list answers
   * nothing. Applied before `limit`.
   */
  periods?: ReadonlyMap<string, readonly Period[]>;
  limit: number;
}

/** Device events kept for get EndDeviceEvents, the outage detector and publication. */
export interface EventStore {
  /** Stores the events whose key (device, type, time, mRID) is new; returns those, in input order. */
  add(events: StoredEvent[]): Promise<StoredEvent[]>;
  /** Oldest first by event time. */
  query(q: EventQuery): Promise<StoredEvent[]>;
  /**
   * Events not yet handed to the publisher, in arrival order (recovery after a crash). Where
   * several gateway instances share the store, each event is handed to one of them until it is
   * marked published or that instance's lease lapses, and a device's events stay in order.
   */
  unpublished(limit: number): Promise<StoredEvent[]>;
  markPublished(ids: string[]): Promise<void>;
  /**
   * Change feed (I7): stored events by arrival `seq`, which grows with every stored event and
   * survives restarts (events are immutable, so each appears once). `changeBound`: the seq of the
   * `limit`-th event after `afterSeq` (absent when none) and whether more follow; `readChanges`:
   * up to `limit` events in (afterSeq, upTo]. `devices` restricts both (absent = all).
   */
  changeBound(afterSeq: number, limit: number, devices?: string[]): Promise<{ end?: number; more: boolean }>;
  readChanges(afterSeq: number, upTo: number, limit: number, devices?: string[]): Promise<{ seq: number; event: StoredEvent }[]>;
}
