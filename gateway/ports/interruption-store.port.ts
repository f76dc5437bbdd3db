import type { Interruption, InterruptionTrack, Outage } from '../domain/outages/interruption.js';

export interface InterruptionQuery {
  /** Interruptions overlapping [from, to] (open ones and those without start included). */
  from: number;
  to: number;
  meter?: string;
}

/** Interruptions per meter and the grouped outages they form (regulator reports, notifications). */
export interface InterruptionStore {
  /**
   * Runs `work` while no other caller's `work` runs on this store, in this process or in any other
   * gateway instance sharing it. Outage detection reads, decides and writes (pairing, grouping,
   * notifying once): it holds this for each pass, so two instances never decide on the same data.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** A meter's interruptions on a track that may still pair with an event at `since` or later. */
  recentForMeter(meter: string, track: InterruptionTrack, since: number): Promise<Interruption[]>;
  /** Inserts (no id) or updates (id); returns the id. */
  save(i: Interruption): Promise<number>;
  /** The pending or notified outage of the group whose start lies within `windowMs` of `time`. */
  joinableOutage(groupKind: Outage['groupKind'], groupId: string, time: number, windowMs: number): Promise<Outage | undefined>;
  saveOutage(o: Outage): Promise<number>;
  outage(id: number): Promise<Outage | undefined>;
  /** Outages still pending or notified (the periodic check looks at these). */
  activeOutages(): Promise<Outage[]>;
  members(outageId: number): Promise<Interruption[]>;
  interruptions(q: InterruptionQuery): Promise<Interruption[]>;
  outages(from: number, to: number): Promise<Outage[]>;
  /**
   * Change feed (I7): every save (opened, closed, attached to an outage…) is a change with a
   * `seq` that grows in commit order and survives restarts, carrying the interruption as that save
   * left it. `changeBound`/`readChanges` as on the event store; `meters` restricts both.
   */
  changeBound(afterSeq: number, limit: number, meters?: string[]): Promise<{ end?: number; more: boolean }>;
  readChanges(afterSeq: number, upTo: number, limit: number, meters?: string[]): Promise<{ seq: number; interruption: Interruption & { id: number } }[]>;
  /** Retention of the change journal, as on the reading store: a prefix of old entries below `belowSeq`, at most `max`. */
  pruneChanges(belowSeq: number, olderThan: Date, max: number): Promise<number>;
  /** The highest journal seq that may have been pruned (0: none): changes after a seq below it are incomplete. */
  changeHorizon(): Promise<number>;
}
